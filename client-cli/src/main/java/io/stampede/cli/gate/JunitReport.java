package io.stampede.cli.gate;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code --junit FILE}: a job's outcome as JUnit XML, the format CI systems (Jenkins, GitLab,
 * GitHub Actions reporters) read: one test for how the job ended, one per threshold, one per
 * check of every step. A failed threshold or check is a failure; a threshold with no data is
 * skipped.
 */
final class JunitReport {

    private JunitReport() {
    }

    /** One test case. */
    private record Case(String classname, String name, String failure, boolean skipped) {
    }

    static void write(Path file, JsonNode job) throws IOException {
        List<Case> cases = cases(job);
        long failures = cases.stream().filter(c -> c.failure != null).count();
        long skipped = cases.stream().filter(Case::skipped).count();
        try (OutputStream stream = Files.newOutputStream(file)) {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(stream, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuites");
            xml.writeAttribute("name", "stampede");
            xml.writeAttribute("tests", Integer.toString(cases.size()));
            xml.writeAttribute("failures", Long.toString(failures));
            xml.writeCharacters("\n  ");
            xml.writeStartElement("testsuite");
            String name = job.path("name").asText();
            xml.writeAttribute("name", "stampede job " + job.path("id").asText() + (name.isEmpty() ? "" : " (" + name + ")"));
            xml.writeAttribute("tests", Integer.toString(cases.size()));
            xml.writeAttribute("failures", Long.toString(failures));
            xml.writeAttribute("errors", "0");
            xml.writeAttribute("skipped", Long.toString(skipped));
            xml.writeAttribute("timestamp", job.path("submittedAt").asText());
            for (Case test : cases) {
                xml.writeCharacters("\n    ");
                if (test.failure == null && !test.skipped) {
                    xml.writeEmptyElement("testcase");
                    attributes(xml, test);
                    continue;
                }
                xml.writeStartElement("testcase");
                attributes(xml, test);
                if (test.skipped) {
                    xml.writeEmptyElement("skipped");
                } else {
                    xml.writeStartElement("failure");
                    xml.writeAttribute("message", test.failure);
                    xml.writeCharacters(test.failure);
                    xml.writeEndElement();
                }
                xml.writeEndElement();
            }
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IOException("could not write JUnit XML: " + e.getMessage(), e);
        }
    }

    private static void attributes(XMLStreamWriter xml, Case test) throws XMLStreamException {
        xml.writeAttribute("classname", test.classname);
        xml.writeAttribute("name", test.name);
    }

    private static List<Case> cases(JsonNode job) {
        List<Case> cases = new ArrayList<>();
        String status = job.path("status").asText();
        List<String> errors = new ArrayList<>();
        job.path("errors").fields().forEachRemaining(error -> errors.add(error.getKey() + ": " + error.getValue().asText()));
        cases.add(new Case("job", "ended COMPLETED", status.equals("COMPLETED") ? null
                : "the job ended " + status + (errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")"), false));
        for (JsonNode verdict : job.path("thresholds")) {
            String result = verdict.path("status").asText();
            cases.add(new Case("thresholds", verdict.path("description").asText(),
                    result.equals("FAILED") ? "was " + verdict.path("valueText").asText() : null,
                    result.equals("NO_DATA")));
        }
        for (JsonNode workflow : job.path("workflows")) {
            for (JsonNode step : workflow.path("steps")) {
                String classname = "checks." + workflow.path("workflow").asText() + "." + step.path("step").asText();
                step.path("checks").fields().forEachRemaining(check -> {
                    long failed = check.getValue().path("failed").asLong();
                    long total = failed + check.getValue().path("passed").asLong();
                    cases.add(new Case(classname, check.getKey(),
                            failed > 0 ? failed + " of " + total + " failed" : null, false));
                });
            }
        }
        return cases;
    }
}
