package io.stampede.model.job;

import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.parser.ParserImpl;

/**
 * Jackson's YAML factory, reading each document through {@link WholeDocumentReader} so that
 * reading takes time linear in the document's length. For documents read from text (a
 * {@code String} or a {@code Reader}), which is how jobs are read; the document is held in memory,
 * which the callers bound ({@link JobSpecParser#MAX_DOCUMENT_BYTES}).
 */
final class WholeDocumentYamlFactory extends YAMLFactory {

    private static final long serialVersionUID = 1L;

    WholeDocumentYamlFactory(LoaderOptions options) {
        super(YAMLFactory.builder().loaderOptions(options));
    }

    @Override
    protected YAMLParser _createParser(Reader reader, IOContext context) throws IOException {
        StringWriter document = new StringWriter();
        reader.transferTo(document);
        return new YAMLParser(context, _parserFeatures, _yamlParserFeatures, _objectCodec, reader,
                new ParserImpl(new WholeDocumentReader(document.toString()), _loaderOptions)) {
        };
    }

    @Override
    public YAMLFactory copy() {
        return new WholeDocumentYamlFactory(_loaderOptions);
    }
}
