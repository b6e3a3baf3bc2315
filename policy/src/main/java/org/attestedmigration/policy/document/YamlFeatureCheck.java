package org.attestedmigration.policy.document;

import org.attestedmigration.policy.PolicyException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Rejects the YAML features a policy has no use for and that only make documents harder to
 * review or cheaper to attack: anchors, aliases (alias bombs), tags, and several documents in one
 * file. Runs on SnakeYAML's event stream because Jackson's parser does not report an anchor on a
 * scalar value. Syntax errors are reported here too, with SnakeYAML's own position.
 */
final class YamlFeatureCheck {
    private YamlFeatureCheck() {
    }

    static LoaderOptions loaderOptions(DocumentLimits limits) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(limits.maxChars());
        options.setNestingDepthLimit(limits.maxDepth());
        options.setMaxAliasesForCollections(0);
        options.setAllowDuplicateKeys(true); // the reader reports duplicates itself, with both positions
        options.setProcessComments(false);
        return options;
    }

    static void check(String text, DocumentLimits limits, Problems problems) throws PolicyException {
        ParserImpl parser = new ParserImpl(new StreamReader(text), loaderOptions(limits));
        int documents = 0;
        try {
            while (true) {
                Event event = parser.getEvent();
                if (event == null || event.is(Event.ID.StreamEnd)) {
                    break;
                }
                if (event instanceof DocumentStartEvent && ++documents > 1) {
                    problems.add(at(event.getStartMark()), "only one document is allowed in a policy file (found a second '---' document)");
                    break;
                }
                if (event instanceof AliasEvent alias) {
                    problems.add(at(event.getStartMark()), "YAML aliases (*" + alias.getAnchor() + ") are not supported: write the value out");
                } else if (event instanceof NodeEvent node && node.getAnchor() != null) {
                    problems.add(at(event.getStartMark()), "YAML anchors (&" + node.getAnchor() + ") are not supported: write the value out");
                }
                String tag = event instanceof ScalarEvent s ? s.getTag()
                        : event instanceof CollectionStartEvent c ? c.getTag() : null;
                if (tag != null) {
                    problems.add(at(event.getStartMark()), "YAML tags (" + tag + ") are not supported: remove the tag");
                }
                if (problems.count() >= 100) {
                    break;
                }
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.add(mark == null ? Position.START : at(mark), "YAML syntax error: " + describe(e));
        } catch (ReaderException e) {
            problems.add(TextPositions.of(text, e.getPosition()), "YAML syntax error: character U+"
                    + String.format("%04X", e.getCodePoint()) + " is not allowed in YAML");
        } catch (YAMLException e) {
            problems.add(Position.START, "YAML syntax error: " + firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            // A third-party parser on hostile input: whatever it throws is still a malformed document.
            problems.add(Position.START, "YAML syntax error: " + e.getClass().getSimpleName());
        }
        problems.throwIfAny();
    }

    private static String describe(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? "malformed document" : e.getProblem();
        return e.getContext() == null ? problem : problem + " (" + e.getContext() + ")";
    }

    static String firstLine(String message) {
        if (message == null) {
            return "malformed document";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static Position at(Mark mark) {
        return new Position(mark.getLine() + 1, mark.getColumn() + 1);
    }
}
