package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * How long reading a job takes, by the size of its longest value, with SnakeYAML's own reader
 * and with {@link WholeDocumentReader}: printed for docs/benchmarks.md. Run it with
 * {@code mvn -B -pl shared-model test -Dtest=JobReadingBenchmark}.
 */
class JobReadingBenchmark {

    @Test
    void printsTheTimeToReadAJobByTheLengthOfItsLongestValue() throws Exception {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(2 * JobSpecParser.MAX_JOB_BYTES);
        ObjectMapper snakeYamls = YAMLMapper.builder(YAMLFactory.builder().loaderOptions(options).build()).build();
        ObjectMapper ours = YAMLMapper.builder(new WholeDocumentYamlFactory(options)).build();
        for (int kib : new int[] {64, 256, 512, 1024, 2048, 4000}) {
            String job = job(kib * 1024);
            assertThat(JobSpecParser.read(job).problems()).isEmpty();
            System.out.printf("a job with one value of %,d KiB on one line, read: %.0f ms; with SnakeYAML's own"
                    + " reader: %.0f ms; read and validated: %.0f ms%n", kib, bestOfThree(() -> ours.readTree(job)),
                    bestOfThree(() -> snakeYamls.readTree(job)), bestOfThree(() -> JobSpecParser.read(job)));
        }
        StringBuilder lines = new StringBuilder("name: many lines\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                + " steps: [{name: s, request: {url: \"http://h/\"}}]}\nvariables:\n  pad: |\n");
        while (lines.length() < JobSpecParser.MAX_JOB_BYTES - 100) {
            lines.append("    id,name,price,1234567890,abcdefghijklmnopqrstuvwxyz\n");
        }
        String job = lines.toString();
        System.out.printf("a job of %.1f MiB in lines of 56 characters, read: %.0f ms; with SnakeYAML's own reader:"
                + " %.0f ms%n", job.length() / 1048576.0, bestOfThree(() -> ours.readTree(job)),
                bestOfThree(() -> snakeYamls.readTree(job)));
    }

    private static String job(int valueLength) {
        return "name: size\nworkflows:\n  - {name: w, vus: 1, iterations: 1, steps: [{name: s, request: {url:"
                + " \"http://h/\"}}]}\nvariables:\n  pad: \"" + "x".repeat(valueLength) + "\"\n";
    }

    private interface Work {
        void run() throws Exception;
    }

    private static double bestOfThree(Work work) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            work.run();
            best = Math.min(best, (System.nanoTime() - started) / 1e6);
        }
        return best;
    }
}
