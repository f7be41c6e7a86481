package io.stampede.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import io.stampede.local.LocalKafka;

/**
 * JUnit 5 extension giving a test class the shared real broker: {@code @ExtendWith(KafkaBrokerExtension.class)},
 * then take a {@link LocalKafka} parameter or call {@link SharedKafka#bootstrapServers()}.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, ParameterResolver {

    @Override
    public void beforeAll(ExtensionContext context) {
        SharedKafka.get();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return SharedKafka.get();
    }
}
