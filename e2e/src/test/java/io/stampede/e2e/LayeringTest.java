package io.stampede.e2e;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module layering of docs/architecture.md, checked on the compiled classes of every module. */
class LayeringTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.stampede");
    }

    @Test
    void theSharedModelDependsOnNoOtherModuleOfOurs() {
        ArchRule rule = noClasses().that().resideInAPackage("io.stampede.model..")
                .should().dependOnClassesThat().resideInAnyPackage("io.stampede.cluster..", "io.stampede.node..",
                        "io.stampede.gate..", "io.stampede.manager..", "io.stampede.worker..", "io.stampede.cli..",
                        "io.stampede.local..");
        rule.check(classes);
    }

    @Test
    void theClusterRuntimeHasNoQuarkusAndNoService() {
        ArchRule rule = noClasses().that().resideInAPackage("io.stampede.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "io.smallrye..",
                        "jakarta.enterprise..", "jakarta.ws..", "io.stampede.node..", "io.stampede.gate..",
                        "io.stampede.manager..", "io.stampede.worker..");
        rule.check(classes);
    }

    @Test
    void servicesNeverImportEachOther() {
        noClasses().that().resideInAPackage("io.stampede.gate..")
                .should().dependOnClassesThat().resideInAnyPackage("io.stampede.manager..", "io.stampede.worker..")
                .check(classes);
        noClasses().that().resideInAPackage("io.stampede.manager..")
                .should().dependOnClassesThat().resideInAnyPackage("io.stampede.gate..", "io.stampede.worker..")
                .check(classes);
        noClasses().that().resideInAPackage("io.stampede.worker..")
                .should().dependOnClassesThat().resideInAnyPackage("io.stampede.gate..", "io.stampede.manager..")
                .check(classes);
    }

    @Test
    void theCommandLineTalksToNodesOverTheWireOnly() {
        noClasses().that().resideInAPackage("io.stampede.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("io.stampede.node..", "io.stampede.gate..",
                        "io.stampede.manager..", "io.stampede.worker..")
                .check(classes);
    }

    /** Pure cores: decisions without I/O, frameworks, Kafka, Raft or the clock of the machine. */
    @Test
    void theCoresAndTheLedgerAreFreeOfIo() {
        String[] io = {"io.quarkus..", "io.smallrye..", "io.vertx..", "jakarta..", "org.apache.kafka..",
            "org.apache.ratis..", "io.micrometer..", "io.stampede.node.."};
        classes().that().haveSimpleNameStartingWith("GateJobs").or().haveSimpleName("GlobalJob")
                .or().haveSimpleNameStartingWith("JobArchive")
                .or().haveSimpleNameStartingWith("DatacenterJob").or().haveSimpleNameStartingWith("JobLedger")
                .should().onlyDependOnClassesThat().resideOutsideOfPackages(io)
                .check(classes);
    }

    /** Lifecycles and identities are shared words: they depend on nothing but the JDK and the JSON mapping. */
    @Test
    void lifecyclesAndIdentitiesDependOnTheJdkOnly() {
        classes().that().resideInAPackage("io.stampede.model.lifecycle..")
                .or().haveFullyQualifiedName("io.stampede.model.JobId")
                .or().haveFullyQualifiedName("io.stampede.model.ShareKey")
                .or().haveNameMatching("io\\.stampede\\.model\\.wire\\.Subject(\\$.*)?")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.stampede.model..",
                        "com.fasterxml.jackson.annotation..")
                .check(classes);
    }
}
