package io.stampede.worker.engine;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.stampede.model.Stampede;
import io.stampede.model.job.StepSpec;
import io.stampede.model.job.Template;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * A step prepared for sending: everything that does not depend on the virtual user is computed
 * once, so a step without placeholders costs no template work per request.
 */
final class CompiledStep {

    /** Sent with every request unless the step sets its own {@code User-Agent}. */
    static final String USER_AGENT = "stampede/" + Stampede.VERSION;

    final StepSpec spec;
    final int index;
    final HttpMethod method;
    final long timeoutMillis;
    final boolean needsBody;
    final boolean checksStatus;
    final List<StepSpec.Check> checks;
    private final Template url;
    private final Map<String, Template> headers;
    private final Map<String, Template> query;
    private final Optional<StepSpec.Body> body;
    private final String contentType;
    private final boolean userSetsContentType;
    private final boolean userSetsUserAgent;
    private final Target constantTarget;
    private final String constantBody;

    CompiledStep(StepSpec spec, int index) {
        this.spec = spec;
        this.index = index;
        this.method = HttpMethod.valueOf(spec.request().method());
        this.timeoutMillis = spec.request().timeout().toMillis();
        this.needsBody = ResponseEvaluator.needsBody(spec);
        this.checksStatus = spec.checksStatus();
        this.checks = spec.checks();
        this.url = spec.request().url();
        this.headers = spec.request().headers();
        this.query = spec.request().query();
        this.body = spec.request().body();
        this.contentType = body.map(StepSpec.Body::contentType).orElse(null);
        this.userSetsContentType = headers.keySet().stream().anyMatch(name -> name.equalsIgnoreCase("content-type"));
        this.userSetsUserAgent = headers.keySet().stream().anyMatch(name -> name.equalsIgnoreCase("user-agent"));
        boolean constantUrl = url.isConstant() && query.values().stream().allMatch(Template::isConstant);
        this.constantTarget = constantUrl ? Target.parse(withQuery(url.source(), null)) : null;
        this.constantBody = body.isPresent() && bodyIsConstant() ? renderBody(null) : null;
    }

    /** Where a request goes, parsed from its absolute URL. */
    record Target(boolean ssl, String host, int port, String uri) {
        static Target parse(String absolute) {
            URI parsed = URI.create(absolute);
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase();
            if (!scheme.equals("http") && !scheme.equals("https") || parsed.getHost() == null) {
                throw new IllegalArgumentException("'" + absolute + "' is not an absolute http(s) URL");
            }
            boolean ssl = scheme.equals("https");
            int port = parsed.getPort() > 0 ? parsed.getPort() : ssl ? 443 : 80;
            String path = parsed.getRawPath() == null || parsed.getRawPath().isEmpty() ? "/" : parsed.getRawPath();
            String uri = parsed.getRawQuery() == null ? path : path + "?" + parsed.getRawQuery();
            return new Target(ssl, parsed.getHost(), port, uri);
        }
    }

    /**
     * Request options for one send.
     *
     * @throws Template.MissingVariableException when a variable has no value
     * @throws IllegalArgumentException          when the URL is not an absolute http(s) URL
     */
    RequestOptions options(Template.Scope scope) {
        Target target = constantTarget != null ? constantTarget : Target.parse(withQuery(url.render(scope), scope));
        RequestOptions options = new RequestOptions()
                .setMethod(method)
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.ssl())
                .setURI(target.uri())
                .setFollowRedirects(spec.request().followRedirects());
        MultiMap map = HttpHeaders.headers();
        headers.forEach((name, value) -> map.add(name, value.render(scope)));
        if (contentType != null && !userSetsContentType) {
            map.add(HttpHeaders.CONTENT_TYPE, contentType);
        }
        if (!userSetsUserAgent) {
            map.add(HttpHeaders.USER_AGENT, USER_AGENT);
        }
        options.setHeaders(map);
        return options;
    }

    /** The body to send, or null for none. */
    Buffer body(Template.Scope scope) {
        if (body.isEmpty()) {
            return null;
        }
        return Buffer.buffer(constantBody != null ? constantBody : renderBody(scope));
    }

    private boolean bodyIsConstant() {
        StepSpec.Body value = body.get();
        if (value instanceof StepSpec.TextBody text) {
            return text.text().isConstant();
        }
        if (value instanceof StepSpec.JsonBody json) {
            return json.json().isConstant();
        }
        return ((StepSpec.FormBody) value).fields().values().stream().allMatch(Template::isConstant);
    }

    private String renderBody(Template.Scope scope) {
        StepSpec.Body value = body.get();
        if (value instanceof StepSpec.TextBody text) {
            return text.text().render(scope);
        }
        if (value instanceof StepSpec.JsonBody json) {
            return json.json().render(scope);
        }
        return encode(((StepSpec.FormBody) value).fields(), scope);
    }

    private String withQuery(String base, Template.Scope scope) {
        if (query.isEmpty()) {
            return base;
        }
        return base + (base.contains("?") ? "&" : "?") + encode(query, scope);
    }

    private static String encode(Map<String, Template> fields, Template.Scope scope) {
        StringBuilder out = new StringBuilder();
        fields.forEach((name, value) -> {
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(value.render(scope), StandardCharsets.UTF_8));
        });
        return out.toString();
    }
}
