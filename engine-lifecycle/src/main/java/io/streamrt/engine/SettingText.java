package io.streamrt.engine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A message that names settings: text, and references to {@link Setting}s (named, or set to a value) that the surface
 * the user works in writes in its own words. Engine and model errors carry one ({@link EngineException#settingText()}),
 * so that an engine shared by a SQL model and a command's job tells each of them the fix in the words it can type.
 *
 * <pre>{@code
 * SettingText fix = SettingText.of("no tokenizer found; pass ").set(Setting.TOKENIZER, "PATH");
 * fix.write(sqlWords);   // "no tokenizer found; pass 'tokenizer' = 'PATH'"
 * fix.toString();        // "no tokenizer found; pass tokenizer PATH" (no surface's words)
 * }</pre>
 */
public final class SettingText implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How one surface writes the settings a message names. */
    public interface Writer {

        /** The setting as the user names it, e.g. {@code --engine} or {@code 'engine'}. */
        String name(Setting setting);

        /** The setting set to {@code value}, as the user writes it, e.g. {@code --engine auto}. */
        String set(Setting setting, String value);

        /**
         * The message of {@code error}, written in these words where it is an {@link EngineException} that names
         * settings.
         */
        default String messageOf(Throwable error) {
            return error instanceof EngineException engine && engine.settingText().isPresent()
                    ? engine.settingText().get().write(this) : error.getMessage();
        }
    }

    /** Names each setting by its id, in no surface's words: {@code the pooling setting}, {@code engine auto}. */
    private static final Writer PLAIN = new Writer() {
        @Override
        public String name(Setting setting) {
            return "the " + setting.id() + " setting";
        }

        @Override
        public String set(Setting setting, String value) {
            return setting.id() + " " + value;
        }
    };

    /** A piece of the message: text (setting null), a setting's name (value null), or a setting set to a value. */
    private record Part(String text, Setting setting, String value) implements Serializable {}

    private final List<Part> parts;

    private SettingText(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    /** A message that starts with {@code text}. */
    public static SettingText of(String text) {
        return new SettingText(List.of(new Part(Objects.requireNonNull(text, "text"), null, null)));
    }

    /** This message followed by {@code text}. */
    public SettingText then(String text) {
        return with(new Part(Objects.requireNonNull(text, "text"), null, null));
    }

    /** This message followed by the name of {@code setting}. */
    public SettingText name(Setting setting) {
        return with(new Part(null, Objects.requireNonNull(setting, "setting"), null));
    }

    /** This message followed by {@code setting} set to {@code value}. */
    public SettingText set(Setting setting, String value) {
        return with(new Part(null, Objects.requireNonNull(setting, "setting"), Objects.requireNonNull(value, "value")));
    }

    /** The message in {@code writer}'s words. */
    public String write(Writer writer) {
        StringBuilder message = new StringBuilder();
        for (Part part : parts) {
            message.append(part.setting == null ? part.text
                    : part.value == null ? writer.name(part.setting) : writer.set(part.setting, part.value));
        }
        return message.toString();
    }

    /** The message in no surface's words, for logs and callers of the engine API itself. */
    @Override
    public String toString() {
        return write(PLAIN);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SettingText text && parts.equals(text.parts);
    }

    @Override
    public int hashCode() {
        return parts.hashCode();
    }

    private SettingText with(Part part) {
        List<Part> longer = new ArrayList<>(parts);
        longer.add(part);
        return new SettingText(longer);
    }
}
