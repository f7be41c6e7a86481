package io.stampede.gate.security;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every line the running gate logs while attached, with its parameters and exception: what never reaches a log. */
final class LogCapture extends Handler {

    private final List<String> lines = new CopyOnWriteArrayList<>();

    /** Starts capturing what the root logger receives. */
    static LogCapture attach() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    void detach() {
        Logger.getLogger("").removeHandler(this);
    }

    List<String> lines() {
        return lines;
    }

    @Override
    public void publish(LogRecord record) {
        String message = record.getMessage();
        if (record.getParameters() != null) {
            message += " " + java.util.Arrays.toString(record.getParameters());
        }
        lines.add(message + (record.getThrown() == null ? "" : " " + record.getThrown()));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
