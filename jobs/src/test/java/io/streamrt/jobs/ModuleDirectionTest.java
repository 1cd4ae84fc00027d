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
        noDependency("io.streamrt.serde..",
                "io.streamrt.engine..", "io.streamrt.operators..", "io.streamrt.jobs..", "org.apache.flink..");
    }

    @Test
    void enginesKnowNothingOfOperatorsJobsOrFlink() {
        noDependency("io.streamrt.engine..",
                "io.streamrt.operators..", "io.streamrt.jobs..", "io.streamrt.serde..", "org.apache.flink..");
    }

    @Test
    void operatorsDoNotDependOnJobsNorOnEngineInternals() {
        noDependency("io.streamrt.operators..", "io.streamrt.jobs..", "io.streamrt.engine.internal..");
    }

    @Test
    void jobsUseOnlyPublicApisOfOtherModules() {
        noDependency("io.streamrt.jobs..", "io.streamrt.operators.internal..", "io.streamrt.engine.internal..");
    }

    /** No class in {@code from} depends on a class in any of {@code to}. */
    private static void noDependency(String from, String... to) {
        noClasses().that().resideInAPackage(from).should().dependOnClassesThat().resideInAnyPackage(to).check(CLASSES);
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
