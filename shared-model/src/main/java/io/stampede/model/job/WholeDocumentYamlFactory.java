package io.stampede.model.job;

import java.io.ByteArrayInputStream;
import java.io.CharArrayReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.parser.ParserImpl;

import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/**
 * Jackson's YAML factory, reading each document through {@link WholeDocumentReader} so that
 * reading takes time linear in the document's length, whatever it is read from (bytes are
 * UTF-8). The document is held in memory, which the callers bound
 * ({@link JobSpecParser#MAX_DOCUMENT_BYTES}).
 */
final class WholeDocumentYamlFactory extends YAMLFactory {

    private static final long serialVersionUID = 1L;

    WholeDocumentYamlFactory(LoaderOptions options) {
        super(YAMLFactory.builder().loaderOptions(options));
    }

    /** A copy of {@code source}, with its features. */
    private WholeDocumentYamlFactory(WholeDocumentYamlFactory source) {
        super(source, null);
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
    protected YAMLParser _createParser(char[] data, int offset, int length, IOContext context, boolean recyclable)
            throws IOException {
        return _createParser(new CharArrayReader(data, offset, length), context);
    }

    @Override
    protected YAMLParser _createParser(byte[] data, int offset, int length, IOContext context) throws IOException {
        return _createParser(new ByteArrayInputStream(data, offset, length), context);
    }

    @Override
    protected YAMLParser _createParser(InputStream in, IOContext context) throws IOException {
        return _createParser(new InputStreamReader(in, StandardCharsets.UTF_8), context);
    }

    @Override
    public YAMLFactory copy() {
        return new WholeDocumentYamlFactory(this);
    }
}
