package io.streamrt.engine;

import java.util.Locale;

/** {@link OptionWords#COMMAND_LINE}: each option's flag is its name in lower case, e.g. {@code --pooling}. */
enum CommandLineWords implements OptionWords {
    INSTANCE;

    @Override
    public String name(Option option) {
        return "--" + option.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String set(Option option, String value) {
        return name(option) + " " + value;
    }
}
