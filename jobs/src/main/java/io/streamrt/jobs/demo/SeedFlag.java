package io.streamrt.jobs.demo;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --seed}: which texts {@link DemoTexts#generate} makes, shared by {@code demo} and {@code bench} (a picocli
 * mixin), so that the same seed gives both the same input.
 *
 * <pre>{@code
 * @CommandLine.Mixin
 * SeedFlag seed;
 * ...
 * List<DemoTexts.DemoText> texts = seed.texts(2000);
 * }</pre>
 */
public final class SeedFlag {

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed of the generated texts.")
    public long value;

    /** The first {@code count} texts of this seed. */
    public List<DemoTexts.DemoText> texts(int count) {
        return DemoTexts.generate(count, value);
    }

    /** The first {@code count} long documents of this seed ({@link DemoTexts#documents}). */
    public List<DemoTexts.DemoText> documents(int count) {
        return DemoTexts.documents(count, value);
    }
}
