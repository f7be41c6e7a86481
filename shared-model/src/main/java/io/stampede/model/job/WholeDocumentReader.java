package io.stampede.model.job;

import java.io.StringReader;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.Constant;

/**
 * SnakeYAML's reader over a whole document held in memory, read in time linear in its length.
 *
 * <p>SnakeYAML's own {@link StreamReader} reads 1,024 characters at a time and copies everything
 * not yet consumed on every read. A token stays unconsumed until its end is found, so a long
 * scalar costs its length squared: a 4 MiB quoted value took minutes of a gate's CPU (a job
 * embedding a data file, or anyone holding a {@code submit} key). Here the document's code points
 * are decoded once and every call indexes them. The scanner and parser are SnakeYAML's; only
 * where the characters come from changes, so lines, columns, snippets and messages are the same.
 *
 * <p>Every public method of {@link StreamReader} is overridden (a test checks it on each SnakeYAML
 * upgrade): the superclass reads an empty text and holds nothing.
 */
final class WholeDocumentReader extends StreamReader {

    private final String name;
    private final int[] codePoints;
    /** The first code point YAML does not allow, or the document's length when there is none. */
    private final int firstNotAllowed;
    private int pointer;
    private int index;
    private int documentIndex;
    private int line;
    private int column;

    WholeDocumentReader(String document) {
        super(new StringReader(""));
        this.name = "'reader'";
        this.codePoints = document.codePoints().toArray();
        int at = 0;
        while (at < codePoints.length && isPrintable(codePoints[at])) {
            at++;
        }
        this.firstNotAllowed = at;
    }

    /**
     * Whether {@code size} more code points than the one at the pointer exist; refuses, as
     * SnakeYAML does when it reads one, a character YAML does not allow.
     */
    private boolean available(int size) {
        int position = pointer + size;
        if (position >= firstNotAllowed && firstNotAllowed < codePoints.length) {
            throw new ReaderException(name, firstNotAllowed, codePoints[firstNotAllowed],
                    "special characters are not allowed");
        }
        return position < codePoints.length;
    }

    @Override
    public Mark getMark() {
        return new Mark(name, index, line, column, codePoints, pointer);
    }

    @Override
    public void forward() {
        forward(1);
    }

    @Override
    public void forward(int length) {
        for (int i = 0; i < length && available(0); i++) {
            int c = codePoints[pointer++];
            index++;
            documentIndex++;
            if (Constant.LINEBR.has(c) || (c == '\r' && available(0) && codePoints[pointer] != '\n')) {
                line++;
                column = 0;
            } else if (c != 0xFEFF) {
                column++;
            }
        }
    }

    @Override
    public int peek() {
        return available(0) ? codePoints[pointer] : '\0';
    }

    @Override
    public int peek(int offset) {
        return available(offset) ? codePoints[pointer + offset] : '\0';
    }

    @Override
    public String prefix(int length) {
        if (length == 0) {
            return "";
        }
        available(length - 1);
        return new String(codePoints, pointer, Math.min(length, codePoints.length - pointer));
    }

    /** The next {@code length} code points, consumed; the scanner asks only for ones without a line break. */
    @Override
    public String prefixForward(int length) {
        String prefix = prefix(length);
        pointer += length;
        index += length;
        documentIndex += length;
        column += length;
        return prefix;
    }

    @Override
    public int getColumn() {
        return column;
    }

    @Override
    public int getDocumentIndex() {
        return documentIndex;
    }

    @Override
    public void resetDocumentIndex() {
        documentIndex = 0;
    }

    @Override
    public int getIndex() {
        return index;
    }

    @Override
    public int getLine() {
        return line;
    }
}
