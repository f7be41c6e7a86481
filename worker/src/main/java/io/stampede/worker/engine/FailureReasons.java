package io.stampede.worker.engine;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

/**
 * Names for why a request failed. They are the keys of {@code StepWindow.failures} and appear
 * in reports, so they are part of Stampede's interface (docs/statistics.md).
 */
final class FailureReasons {

    static final String TIMEOUT = "timeout";
    static final String CONNECTION_REFUSED = "connection_refused";
    static final String CONNECTION_RESET = "connection_reset";
    static final String DNS = "dns";
    static final String TLS = "tls";
    static final String INTERRUPTED = "interrupted";
    static final String INVALID_URL = "invalid_url";
    /** The target policy refused the request's host or a redirect's (docs/security.md): never sent. */
    static final String DENIED = "denied";
    static final String HTTP_4XX = "http_4xx";
    static final String HTTP_5XX = "http_5xx";

    private FailureReasons() {
    }

    static String check(String name) {
        return "check:" + name;
    }

    static String missingVariable(String variable) {
        if (variable.startsWith(io.stampede.model.job.Template.SECRET_PREFIX)) {
            // A secret this worker does not know (no STAMPEDE_SECRET_<NAME>, no file): its name only.
            return "missing_secret:" + variable.substring(io.stampede.model.job.Template.SECRET_PREFIX.length());
        }
        return "missing_variable:" + variable;
    }

    /** A request that would carry a secret to a host it is not bound to (docs/security.md): never sent. */
    static String secretNotForHost(String name) {
        return "secret_not_for_host:" + name;
    }

    /** A request whose host holds a secret's value (looking it up would send the secret out): never sent. */
    static String secretInHost(String name) {
        return "secret_in_host:" + name;
    }

    /** The reason for a status code when no check says otherwise, or null when it is a success. */
    static String forStatus(int status) {
        if (status >= 500) {
            return HTTP_5XX;
        }
        if (status >= 400) {
            return HTTP_4XX;
        }
        return null;
    }

    /** Classifies a transport failure by its cause chain. */
    static String classify(Throwable failure) {
        if (failure instanceof TargetGuard.DeniedException) {
            return DENIED;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnknownHostException) {
                return DNS;
            }
            if (cause instanceof SSLException) {
                return TLS;
            }
            if (cause instanceof TimeoutException
                    || cause.getClass().getName().equals("io.netty.channel.ConnectTimeoutException")) {
                return TIMEOUT;
            }
            if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
                String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
                return message.contains("timed out") ? TIMEOUT : CONNECTION_REFUSED;
            }
            if (cause instanceof ClosedChannelException) {
                return CONNECTION_RESET;
            }
            String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("connection reset") || message.contains("connection was closed")
                    || message.contains("broken pipe") || message.contains("stream was reset")) {
                return CONNECTION_RESET;
            }
            if (message.contains("connection refused")) {
                return CONNECTION_REFUSED;
            }
        }
        return "error:" + failure.getClass().getSimpleName();
    }
}
