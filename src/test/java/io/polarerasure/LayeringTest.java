package io.polarerasure;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package layering the code must keep: {@code cli -> job -> {input, polar, report} -> kernel (kernel, secrets)},
 * with the application class above all of them and depended on by none. The three feature packages are
 * independent of each other and of any framework, so each can be read and tested alone.
 */
@AnalyzeClasses(packages = "io.polarerasure", importOptions = {ImportOption.DoNotIncludeTests.class,
        ImportOption.DoNotIncludeJars.class})
class LayeringTest {

    @ArchTest
    static final ArchRule packages_form_no_cycle = slices().matching("io.polarerasure.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule each_package_uses_only_the_layers_below = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("application").definedBy("io.polarerasure")
            .layer("cli").definedBy("io.polarerasure.cli..")
            .layer("job").definedBy("io.polarerasure.job..")
            .layer("input").definedBy("io.polarerasure.input..")
            .layer("polar").definedBy("io.polarerasure.polar..")
            .layer("report").definedBy("io.polarerasure.report..")
            .layer("kernel").definedBy("io.polarerasure.kernel..", "io.polarerasure.secrets..")
            .whereLayer("application").mayNotBeAccessedByAnyLayer()
            .whereLayer("cli").mayOnlyBeAccessedByLayers("application")
            .whereLayer("job").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("input").mayOnlyBeAccessedByLayers("job", "cli")
            .whereLayer("polar").mayOnlyBeAccessedByLayers("job", "cli")
            .whereLayer("report").mayOnlyBeAccessedByLayers("job", "cli")
            .whereLayer("kernel").mayOnlyBeAccessedByLayers("input", "polar", "report", "job", "cli");

    @ArchTest
    static final ArchRule kernel_uses_no_other_package = noClasses()
            .that().resideInAnyPackage("io.polarerasure.kernel..", "io.polarerasure.secrets..")
            .should().dependOnClassesThat().resideInAnyPackage("io.polarerasure.cli..", "io.polarerasure.job..",
                    "io.polarerasure.input..", "io.polarerasure.polar..", "io.polarerasure.report..");

    @ArchTest
    static final ArchRule feature_packages_use_no_spring_or_picocli = noClasses()
            .that().resideInAnyPackage("io.polarerasure.input..", "io.polarerasure.polar..",
                    "io.polarerasure.report..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "picocli..");
}
