package io.streamrt.jobs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.junit.jupiter.api.Test;

/** Module dependencies point one way: jobs -> operators -> engine-lifecycle, operators -> serde, jobs -> serde. */
class ModuleDirectionTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.streamrt");

    @Test
    void serdeKnowsNothingOfEnginesOperatorsOrJobs() {
        noClasses().that().resideInAPackage("io.streamrt.serde..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.streamrt.engine..", "io.streamrt.operators..", "io.streamrt.jobs..", "org.apache.flink..")
                .check(CLASSES);
    }

    @Test
    void enginesKnowNothingOfOperatorsJobsOrFlink() {
        noClasses().that().resideInAPackage("io.streamrt.engine..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.streamrt.operators..", "io.streamrt.jobs..", "io.streamrt.serde..", "org.apache.flink..")
                .check(CLASSES);
    }

    @Test
    void operatorsDoNotDependOnJobsNorOnEngineInternals() {
        noClasses().that().resideInAPackage("io.streamrt.operators..")
                .should().dependOnClassesThat().resideInAnyPackage("io.streamrt.jobs..", "io.streamrt.engine.internal..")
                .check(CLASSES);
    }

    @Test
    void jobsUseOnlyPublicApisOfOtherModules() {
        noClasses().that().resideInAPackage("io.streamrt.jobs..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.streamrt.operators.internal..", "io.streamrt.engine.internal..")
                .check(CLASSES);
    }

    @Test
    void theOperatorsPublicTypesSayWhetherTheyAreApi() {
        classes().that().resideInAPackage("io.streamrt.operators..").and().resideOutsideOfPackage("..internal..")
                .and().arePublic().and().areTopLevelClasses()
                .should().beAnnotatedWith(PublicEvolving.class).orShould().beAnnotatedWith(Internal.class)
                .check(CLASSES);
        classes().that().resideInAPackage("io.streamrt.operators..internal..").and().arePublic()
                .and().areTopLevelClasses()
                .should().beAnnotatedWith(Internal.class)
                .check(CLASSES);
    }
}
