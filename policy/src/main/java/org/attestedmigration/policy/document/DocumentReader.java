package org.attestedmigration.policy.document;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.attestedmigration.policy.PolicyException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a YAML or JSON document into a tree of {@link Node}s that keep their positions, with
 * Jackson's streaming parser. Syntax errors and exceeded limits stop reading; duplicate keys are
 * reported and reading goes on (the first value wins, so that later problems are still found).
 */
public final class DocumentReader {
    private final String file;
    private final DocumentLimits limits;
    private final Problems problems;
    private JsonParser parser;
    private DocumentFormat format;
    private int nodes;

    private DocumentReader(String file, DocumentLimits limits, Problems problems) {
        this.file = file;
        this.limits = limits;
        this.problems = problems;
    }

    /**
     * The document's root node. Problems that do not stop reading (duplicate keys) are added to
     * {@code problems}; the others are thrown.
     */
    public static Node read(String text, String file, DocumentLimits limits, Problems problems) throws PolicyException {
        return new DocumentReader(file, limits, problems).read(text);
    }

    private Node read(String text) throws PolicyException {
        if (text.length() > limits.maxChars()) {
            throw fatal(Position.START, "the document is too large: more than " + limits.maxChars() + " characters");
        }
        format = DocumentFormat.detect(file, text);
        if (format == DocumentFormat.YAML) {
            YamlFeatureCheck.check(text, limits, problems);
        }
        try (JsonParser p = factory().createParser(text)) {
            parser = p;
            JsonToken first = next();
            if (first == null) {
                throw fatal(Position.START, "the document is empty: expected a mapping with apiVersion, serial, name, ...");
            }
            Node root = value(first, 1);
            if (next() != null) {
                throw fatal(tokenPosition(), "only one document is allowed: unexpected content after the end of the policy");
            }
            return root;
        } catch (IOException e) {
            throw fatal(Position.START, "cannot read the document: " + YamlFeatureCheck.firstLine(e.getMessage()));
        }
    }

    private JsonFactory factory() {
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxDepth() + 1)
                .maxStringLength(limits.maxChars())
                .maxNumberLength(200)
                .build();
        if (format == DocumentFormat.JSON) {
            return JsonFactory.builder().streamReadConstraints(constraints).build();
        }
        return YAMLFactory.builder().loaderOptions(YamlFeatureCheck.loaderOptions(limits)).streamReadConstraints(constraints).build();
    }

    private Node value(JsonToken token, int depth) throws IOException, PolicyException {
        Position at = tokenPosition();
        if (++nodes > limits.maxNodes()) {
            throw fatal(at, "too many entries: a policy may hold at most " + limits.maxNodes() + " keys and values");
        }
        switch (token) {
            case START_OBJECT:
                checkDepth(at, depth);
                return mapping(at, depth);
            case START_ARRAY:
                checkDepth(at, depth);
                return sequence(at, depth);
            case VALUE_STRING:
                return scalar(at, ScalarNode.Kind.STRING, null);
            case VALUE_NUMBER_INT:
                return scalar(at, ScalarNode.Kind.INTEGER, parser.getBigIntegerValue());
            case VALUE_NUMBER_FLOAT:
                return scalar(at, ScalarNode.Kind.DECIMAL, null);
            case VALUE_TRUE:
                // YAML 1.1 also spells booleans yes/on/...; keep one spelling for the binder.
                return new ScalarNode(at, ScalarNode.Kind.BOOLEAN, "true", null, format == DocumentFormat.YAML);
            case VALUE_FALSE:
                return new ScalarNode(at, ScalarNode.Kind.BOOLEAN, "false", null, format == DocumentFormat.YAML);
            case VALUE_NULL:
                return scalar(at, ScalarNode.Kind.NULL, null);
            default:
                throw fatal(at, "unexpected " + token + " in the document");
        }
    }

    private ScalarNode scalar(Position at, ScalarNode.Kind kind, BigInteger integer) throws IOException {
        String text = parser.getText();
        return new ScalarNode(at, kind, text == null ? "" : text, integer, format == DocumentFormat.YAML);
    }

    private void checkDepth(Position at, int depth) throws PolicyException {
        if (depth > limits.maxDepth()) {
            throw fatal(at, "nesting too deep: a policy is at most " + limits.maxDepth() + " levels deep");
        }
    }

    private MappingNode mapping(Position at, int depth) throws IOException, PolicyException {
        List<MappingNode.Entry> entries = new ArrayList<>();
        Map<String, Position> seen = new HashMap<>();
        JsonToken token;
        while ((token = next()) != JsonToken.END_OBJECT) {
            if (token != JsonToken.FIELD_NAME) {
                throw fatal(tokenPosition(), "malformed mapping: expected a key");
            }
            String key = parser.currentName();
            Position keyAt = tokenPosition();
            Node value = value(requireNext(), depth + 1);
            Position first = seen.putIfAbsent(key, keyAt);
            if (first != null) {
                problems.add(keyAt, "duplicate key '" + key + "' (first at line " + first.line() + ", column " + first.column() + ")");
            } else {
                entries.add(new MappingNode.Entry(key, keyAt, value));
            }
        }
        return new MappingNode(at, entries);
    }

    private SequenceNode sequence(Position at, int depth) throws IOException, PolicyException {
        List<Node> items = new ArrayList<>();
        JsonToken token;
        while ((token = requireNext()) != JsonToken.END_ARRAY) {
            items.add(value(token, depth + 1));
        }
        return new SequenceNode(at, items);
    }

    private JsonToken requireNext() throws IOException, PolicyException {
        JsonToken token = next();
        if (token == null) {
            throw fatal(tokenPosition(), "unexpected end of the document");
        }
        return token;
    }

    /** The next token, with every parser failure turned into a positioned problem. */
    private JsonToken next() throws PolicyException {
        try {
            return parser.nextToken();
        } catch (JsonProcessingException e) {
            throw fatal(errorPosition(e), syntaxMessage(e));
        } catch (IOException | RuntimeException e) {
            // A third-party parser on hostile input: whatever it throws is still a malformed document.
            throw fatal(tokenPosition(), (format == DocumentFormat.JSON ? "JSON" : "YAML") + " syntax error: "
                    + YamlFeatureCheck.firstLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private String syntaxMessage(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblem() != null) {
            return "YAML syntax error: " + m.getProblem();
        }
        String prefix = format == DocumentFormat.JSON ? "JSON syntax error: " : "YAML syntax error: ";
        return prefix + YamlFeatureCheck.firstLine(e.getOriginalMessage());
    }

    private Position errorPosition(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            Mark mark = m.getProblemMark();
            return new Position(mark.getLine() + 1, mark.getColumn() + 1);
        }
        return toPosition(e.getLocation());
    }

    private Position tokenPosition() {
        return parser == null ? Position.START : toPosition(parser.currentTokenLocation());
    }

    private static Position toPosition(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return Position.START;
        }
        return new Position(location.getLineNr(), Math.max(1, location.getColumnNr()));
    }

    /** Stops reading: the problems found so far and this one. */
    private PolicyException fatal(Position at, String message) {
        problems.add(at, message);
        return problems.exception();
    }
}
