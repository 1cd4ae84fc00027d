package io.streamrt.serde;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The all-ASCII entries of a WordPiece vocabulary as a trie over chars, with the token id at each node that ends an
 * entry. WordPiece's greedy longest-match-first (try the whole rest of the word, then one char shorter, ...) takes the
 * longest prefix of the rest that is in the vocabulary, which one walk down this trie finds without making a string.
 * Immutable once built, so shared freely across threads.
 *
 * <pre>{@code
 * AsciiVocabTrie trie = AsciiVocabTrie.of(Map.of("play", 1, "##ing", 2));
 * int node = trie.walk(AsciiVocabTrie.ROOT, "##");   // where continuation pieces start
 * }</pre>
 */
final class AsciiVocabTrie {

    /** The node every entry starts from. */
    static final int ROOT = 0;
    /** No such node, or no entry ending at a node. */
    static final int NONE = -1;

    private static final int EMPTY_KEY = -1;
    /** An edge's key is {@code parent << 7 | char}: parents stay under 2^24 so keys stay positive ints. */
    private static final int MAX_NODES = 1 << 24;

    /** Open addressing with linear probing: key at {@code 2 * slot}, child node at {@code 2 * slot + 1}. */
    private final int[] edges;
    private final int mask;
    private final int shift;
    /** Per node, the id of the entry that ends there, or {@link #NONE}. */
    private final int[] ids;

    private AsciiVocabTrie(int[] edges, int mask, int shift, int[] ids) {
        this.edges = edges;
        this.mask = mask;
        this.shift = shift;
        this.ids = ids;
    }

    /** A trie of the entries whose token is all ASCII; the others can never match an all-ASCII text. */
    static AsciiVocabTrie of(Map<String, Integer> vocab) {
        Map<Integer, Integer> children = new HashMap<>();
        int[] ids = {NONE};
        int nodes = 1;
        for (Map.Entry<String, Integer> entry : vocab.entrySet()) {
            String token = entry.getKey();
            if (!isAscii(token)) {
                continue;
            }
            int node = ROOT;
            for (int i = 0; i < token.length(); i++) {
                int key = node << 7 | token.charAt(i);
                Integer child = children.get(key);
                if (child == null) {
                    if (nodes == MAX_NODES) {
                        throw new IllegalArgumentException("vocabulary too large for a trie of " + MAX_NODES
                                + " nodes");
                    }
                    child = nodes++;
                    children.put(key, child);
                    if (child == ids.length) {
                        ids = Arrays.copyOf(ids, ids.length * 2);
                        Arrays.fill(ids, child, ids.length, NONE);
                    }
                }
                node = child;
            }
            ids[node] = entry.getValue();
        }
        int bits = Math.max(4, 33 - Integer.numberOfLeadingZeros(Math.max(1, children.size()))); // load <= 1/2
        int[] edges = new int[2 << bits];
        Arrays.fill(edges, EMPTY_KEY);
        int mask = (1 << bits) - 1;
        int shift = 32 - bits;
        for (Map.Entry<Integer, Integer> edge : children.entrySet()) {
            int slot = (edge.getKey() * 0x9E3779B9) >>> shift;
            while (edges[2 * slot] != EMPTY_KEY) {
                slot = (slot + 1) & mask;
            }
            edges[2 * slot] = edge.getKey();
            edges[2 * slot + 1] = edge.getValue();
        }
        return new AsciiVocabTrie(edges, mask, shift, Arrays.copyOf(ids, nodes));
    }

    /** The child of {@code node} along ASCII char {@code c}, or {@link #NONE}. */
    int child(int node, char c) {
        int key = node << 7 | c;
        int slot = (key * 0x9E3779B9) >>> shift;
        while (true) {
            int found = edges[2 * slot];
            if (found == key) {
                return edges[2 * slot + 1];
            }
            if (found == EMPTY_KEY) {
                return NONE;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** The node reached from {@code node} along {@code path}, or {@link #NONE} if it is not all ASCII or not there. */
    int walk(int node, String path) {
        for (int i = 0; i < path.length() && node != NONE; i++) {
            char c = path.charAt(i);
            node = c < 128 ? child(node, c) : NONE;
        }
        return node;
    }

    /** The id of the entry ending at {@code node}, or {@link #NONE}. */
    int id(int node) {
        return ids[node];
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 128) {
                return false;
            }
        }
        return true;
    }
}
