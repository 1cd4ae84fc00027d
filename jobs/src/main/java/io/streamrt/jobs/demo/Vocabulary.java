package io.streamrt.jobs.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sentence templates and word lists of one demo topic, written for this project (no copied corpus).
 * Every name of a team, party, company or person is made up.
 *
 * <p>Templates hold {@code {slot}} placeholders filled from the topic's lists; {@code {Slot}} is the
 * same slot with its first letter capitalised, for the start of a sentence. Package-private:
 * {@link DemoTexts} is the public face.
 *
 * <pre>{@code
 * String headline = Vocabulary.SPORTS.headline(new Random(7));
 * }</pre>
 */
final class Vocabulary {

    private static final Pattern SLOT = Pattern.compile("\\{([A-Za-z]+)}");

    private static final List<String> FIRST_NAMES = List.of(
            "Maya", "Jonas", "Ana", "Tomas", "Lena", "Marcus", "Priya", "Diego", "Sofia", "Kenji", "Amara", "Oscar",
            "Nadia", "Felix", "Ines", "Rafael");
    private static final List<String> LAST_NAMES = List.of(
            "Okafor", "Lindqvist", "Moreau", "Castillo", "Brennan", "Novak", "Haddad", "Sato", "Fischer", "Adeyemi",
            "Costa", "Walsh", "Petrov", "Varga");

    /** Slots every topic may use. */
    private static final Map<String, List<String>> COMMON = Map.of(
            "count", List.of("two", "three", "four", "five", "six", "seven", "eight", "nine", "twelve"),
            "day", List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            "month", List.of("January", "March", "April", "June", "September", "October", "November"),
            "city", List.of("Eastbrook", "Northfield", "Silverlake", "Harbor City", "Westvale", "Pinecrest"),
            "percent", List.of("29 percent", "34 percent", "41 percent", "52 percent", "18 percent", "12 percent"));

    static final Vocabulary SPORTS = new Vocabulary("sports",
            Map.of(
                    "team", List.of("the Harbor City Herons", "the Northfield Rovers", "the Eastbrook Falcons",
                            "the Silverlake Comets", "the Granite Bay Bears", "the Westvale Wanderers",
                            "the Pinecrest Tigers", "the Redmoor Otters"),
                    "competition", List.of("cup", "league", "regional championship", "summer tournament",
                            "national trophy"),
                    "score", List.of("1-0", "2-1", "3-2", "2-2", "4-1", "0-0", "3-1", "5-2"),
                    "minute", List.of("in the 89th minute", "in stoppage time", "just before half-time",
                            "early in the second half", "after only four minutes"),
                    "event", List.of("the 400 metres", "the 10,000 metres", "the long jump",
                            "the 200 metres butterfly", "the time trial", "the high jump"),
                    "venue", List.of("the old riverside stadium", "a sold-out arena", "the national velodrome",
                            "their home ground", "a half-empty stadium")),
            List.of(
                    "{Team} beat {team} {score} at {venue} on {day}",
                    "{Player} out injured for {count} weeks",
                    "Late goal sends {team} into the {competition} final",
                    "Rain delays the {competition} semi-final",
                    "{Player} breaks the record in {event}",
                    "{Team} sack their manager after {count} straight defeats",
                    "Record crowd watches {team} win the derby",
                    "What went wrong for {team} this season?",
                    "Fans protest over ticket prices",
                    "{Player} signs for {team}",
                    "Cup upset as {team} knock out {team}",
                    "Who will win the {competition} this year?",
                    "What a finish!"),
            List.of(
                    "{Team} beat {team} {score} at {venue} on {day}.",
                    "{Player} scored the winner {minute} to keep {team} top of the table.",
                    "The coach of {team} said the squad must defend better before the {competition} final.",
                    "{Player} set a personal best in {event} at the national championships.",
                    "Thousands of fans waited outside {venue} after the match was delayed by heavy rain.",
                    "{Player} will miss the next {count} games with a hamstring injury picked up in training.",
                    "After a slow start, {team} dominated possession and deserved their {score} win.",
                    "{Team} have now won {count} matches in a row and sit level on points with {team}.",
                    "The referee showed {count} yellow cards in a tense and scrappy first half.",
                    "Young midfielder {player} signed a new three-year contract with {team} this week.",
                    "Ticket prices for the {competition} final have angered supporters of both clubs.",
                    "{Player} finished second in {event}, just a fraction of a second behind the winner.",
                    "Both teams struggled on a heavy pitch, and chances were rare until {minute}.",
                    "The captain thanked the travelling supporters, who sang through the whole match.",
                    "{Team} confirmed that their manager will step down at the end of the season.",
                    "A late penalty gave {team} a share of the points against {team}.",
                    "{Player} trained alone on {day} and should be fit for the {competition} semi-final.",
                    "The {competition} draw paired {team} with {team} in a repeat of last year's final.",
                    "Analysts praised the pressing game that {team} have used all season.",
                    "{Player} has scored in each of the last {count} games, a club record.",
                    "The marathon route passes the harbour and the old market before finishing in the main square.",
                    "Rain stopped play twice, but the umpires managed to finish the final set before dark.",
                    "In the time trial, {player} crossed the line {count} seconds ahead of the field.",
                    "The swimming team came home from the {competition} with {count} medals.",
                    "Was that really a foul?"));

    static final Vocabulary POLITICS = new Vocabulary("politics",
            Map.of(
                    "official", List.of("the prime minister", "the finance minister", "the mayor",
                            "the health minister", "the education minister", "the speaker of parliament"),
                    "body", List.of("parliament", "the senate", "the city council", "the regional assembly",
                            "the upper house"),
                    "party", List.of("the Civic Party", "the Green Alliance", "the Liberal Union",
                            "the Workers' Front", "the Centre Bloc"),
                    "policy", List.of("the housing bill", "the new fuel tax", "the pension reform",
                            "the school funding plan", "the budget for next year", "the public transport package",
                            "the data protection law"),
                    "votes", List.of("212 votes to 180", "98 votes to 95", "301 votes to 42", "54 votes to 51"),
                    "share", List.of("2.1 percent", "2.8 percent", "3.4 percent", "1.9 percent")),
            List.of(
                    "{Body} passes {policy}",
                    "{Party} leads in new poll",
                    "{Official} under pressure over {policy}",
                    "Coalition talks collapse in {city}",
                    "Mayor of {city} resigns",
                    "Voters head to the polls on {day}",
                    "Thousands march against {policy}",
                    "Budget vote delayed again",
                    "Is {policy} fair to young people?",
                    "{Person} launches campaign for mayor of {city}",
                    "Recount ordered in {city}"),
            List.of(
                    "Lawmakers approved {policy} by {votes} after a debate that ran late into the night.",
                    "{Official} defended {policy}, saying it would help families on low incomes.",
                    "The opposition leader, {person}, called the plan rushed and promised to fight it in {body}.",
                    "A new poll puts {party} on {percent}, its best result since the last election.",
                    "Protesters gathered outside {body} to demand cheaper housing and better public transport.",
                    "{Official} will travel to {city} next week to meet local business leaders.",
                    "The committee will publish its report on {policy} in {month}.",
                    "Voters in {city} go to the polls on {day} to choose a new mayor.",
                    "{Party} said it would not join a coalition that raised taxes on small businesses.",
                    "Turnout in the local elections was {percent}, lower than four years ago.",
                    "Critics say {policy} does too little to tackle rising energy prices.",
                    "{Person} resigned from the cabinet after a disagreement over {policy}.",
                    "The budget includes more money for hospitals, schools and rural roads.",
                    "Talks between {party} and {party} broke down over spending on defence.",
                    "{Body} will hold a second vote on {policy} before the summer recess.",
                    "Officials in {city} admitted the new bus lanes were introduced without enough consultation.",
                    "The election commission said all ballots would be counted by {day} morning.",
                    "{Official} promised a public inquiry into the delays at the passport office.",
                    "Several members of {party} voted against their own government for the first time.",
                    "A court ruled that the voting districts in {city} must be redrawn before the next election.",
                    "Both candidates spent the final weekend of the campaign knocking on doors in {city}.",
                    "The finance ministry expects the deficit to fall to {share} of national income next year.",
                    "Who will pay for {policy}?"));

    static final Vocabulary TECHNOLOGY = new Vocabulary("technology",
            Map.of(
                    "company", List.of("Brightforge", "Cobalt Systems", "Pixelhaven", "Tidewater Software",
                            "Lumen Labs", "Quartzbyte"),
                    "product", List.of("a folding smartphone", "a lightweight laptop", "an open source database",
                            "a smartwatch with a week of battery life", "a chip designed for machine learning",
                            "a home robot that can load the dishwasher", "a password manager"),
                    "feature", List.of("faster search", "end-to-end encryption", "offline maps",
                            "automatic translation", "longer battery life", "a redesigned keyboard"),
                    "tech", List.of("artificial intelligence", "quantum computing", "solid-state batteries",
                            "satellite internet", "self-driving cars", "cloud gaming"),
                    "amount", List.of("40 million dollars", "1.2 billion dollars", "300 million euros",
                            "75 million pounds")),
            List.of(
                    "{Company} launches {product}",
                    "Outage hits {company} customers",
                    "{Company} raises {amount}",
                    "Is {tech} overhyped?",
                    "New update brings {feature}",
                    "Regulators probe {company} over data sharing",
                    "Hands on with {product}",
                    "{Company} cuts {count} hundred jobs",
                    "Why {tech} matters for small businesses",
                    "{Company} and {company} announce a partnership",
                    "Patch your phone today"),
            List.of(
                    "{Company} unveiled {product} at its annual developer conference on {day}.",
                    "The update adds {feature} and fixes a bug that drained the battery overnight.",
                    "Researchers at {company} say {tech} could cut energy use in data centres by {percent}.",
                    "{Company} raised {amount} from investors to expand its engineering team.",
                    "Security experts warned users to install the patch as soon as possible.",
                    "The new model is {count} times faster than its predecessor, according to early benchmarks.",
                    "{Company} confirmed that an outage on {day} affected customers in several countries.",
                    "Reviewers praised the screen but said the camera struggles in low light.",
                    "Regulators are investigating whether {company} shared location data without consent.",
                    "Engineer {person} explained how the team trained the model on public data only.",
                    "Start-ups working on {tech} attracted record investment this year.",
                    "The open source project now has more than {count} thousand contributors around the world.",
                    "{Company} will stop supporting its oldest phones in {month}, leaving many users without updates.",
                    "Developers can try {feature} in a public beta starting next week.",
                    "The company said the chip shortage would delay deliveries until {month}.",
                    "Early testers reported that the battery lasted almost two days with normal use.",
                    "{Company} and {company} announced a partnership to build charging networks in {city}.",
                    "Critics argue that {tech} is still years away from being useful to ordinary people.",
                    "The app has been downloaded more than {count} million times since its launch in {month}.",
                    "A bug in the login service locked thousands of users out of their accounts for several hours.",
                    "{Person}, who founded {company} in a garage, now employs more than {count} hundred people.",
                    "The laptop weighs just over a kilogram and charges fully in under an hour.",
                    "Does anyone still need a fax machine?"));

    static final Vocabulary NEUTRAL = new Vocabulary("neutral",
            Map.of(
                    "food", List.of("fresh bread", "tomato soup", "apple pie", "lemon cake", "vegetable curry"),
                    "place", List.of("the library", "the park", "the market", "the bakery on the corner",
                            "the swimming pool"),
                    "weather", List.of("sunny", "cloudy with light rain", "windy", "cold and foggy"),
                    "time", List.of("seven", "half past eight", "noon", "six in the evening")),
            List.of(
                    "Thanks for dinner last night",
                    "See you at {time} tomorrow",
                    "The weather looks {weather} today",
                    "Bring {food} to the picnic",
                    "Meeting moved to {time}",
                    "Lovely walk in {place} this morning",
                    "Happy birthday, {person}!"),
            List.of(
                    "The weather tomorrow will be {weather} in the morning and clearer in the afternoon.",
                    "{Place} opens at {time} on weekdays and closes early on {day}.",
                    "Remember to water the plants and feed the cat while we are away.",
                    "My grandmother's recipe for {food} needs only five ingredients.",
                    "We walked along the river until the sun went down behind the hills.",
                    "The train was twenty minutes late, so I finished my book on the platform.",
                    "Could you pick up some {food} on your way home tonight?",
                    "The children spent the afternoon building a kite out of paper and string.",
                    "{Person} is learning to play the piano and practises every evening.",
                    "There is a small cafe near {place} that serves excellent {food}.",
                    "The museum is free on the first {day} of every month.",
                    "I left my umbrella at {place} again."));

    static final List<Vocabulary> ALL = List.of(SPORTS, POLITICS, TECHNOLOGY, NEUTRAL);

    private final String topic;
    private final Map<String, List<String>> slots;
    private final List<String> headlines;
    private final List<String> sentences;

    private Vocabulary(String topic, Map<String, List<String>> own, List<String> headlines, List<String> sentences) {
        this.topic = topic;
        Map<String, List<String>> merged = new HashMap<>(COMMON);
        merged.putAll(own);
        this.slots = Map.copyOf(merged);
        this.headlines = headlines;
        this.sentences = sentences;
    }

    String topic() {
        return topic;
    }

    /** A short headline-like phrase, usually without a full stop. */
    String headline(Random random) {
        return fill(headlines.get(random.nextInt(headlines.size())), random);
    }

    /** A sentence ending in '.', '!' or '?'. */
    String sentence(Random random) {
        return fill(sentences.get(random.nextInt(sentences.size())), random);
    }

    /** Sentences in a random order without repeats until every template was used once. */
    List<String> sentences(int count, Random random) {
        List<String> out = new ArrayList<>(count);
        List<String> deck = new ArrayList<>();
        while (out.size() < count) {
            if (deck.isEmpty()) {
                deck.addAll(sentences);
                Collections.shuffle(deck, random);
            }
            out.add(fill(deck.remove(deck.size() - 1), random));
        }
        return out;
    }

    private String fill(String template, Random random) {
        // Two {team} slots in one sentence must name two different teams.
        Map<String, List<String>> usedInThisSentence = new HashMap<>();
        Matcher matcher = SLOT.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String slot = matcher.group(1);
            String key = slot.toLowerCase(Locale.ROOT);
            List<String> used = usedInThisSentence.computeIfAbsent(key, k -> new ArrayList<>());
            String value = pick(key, used, random);
            used.add(value);
            if (Character.isUpperCase(slot.charAt(0))) {
                value = Character.toUpperCase(value.charAt(0)) + value.substring(1);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private String pick(String slot, List<String> used, Random random) {
        if (slot.equals("person") || slot.equals("player")) {
            String name;
            do {
                name = FIRST_NAMES.get(random.nextInt(FIRST_NAMES.size())) + " "
                        + LAST_NAMES.get(random.nextInt(LAST_NAMES.size()));
            } while (used.contains(name));
            return name;
        }
        List<String> values = slots.get(slot);
        if (values == null) {
            throw new IllegalStateException("Template slot {" + slot + "} of topic " + topic
                    + " has no word list; add one to Vocabulary");
        }
        List<String> unused = values.stream().filter(value -> !used.contains(value)).toList();
        List<String> from = unused.isEmpty() ? values : unused;
        return from.get(random.nextInt(from.size()));
    }
}
