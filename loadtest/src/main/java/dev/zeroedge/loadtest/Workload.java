package dev.zeroedge.loadtest;

import dev.zeroedge.cli.UsageException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What each request asks for. {@code 1k} (one corpus file, every time), {@code mix} (files chosen by the
 * weights of {@code --mix}, e.g. {@code 1k:70,64k:20,1m:9,64m:1}) and {@code range:1g} (a
 * {@code --range-size} slice at a random offset of a large file: a video player seeking).
 */
sealed interface Workload {

    String DEFAULT_MIX = "1k:70,64k:20,1m:9,64m:1";
    long DEFAULT_RANGE_SIZE = 1024 * 1024;

    /** The name used in reports and file names ({@code range:1g} becomes {@code range-1g}). */
    String name();

    /** The corpus files this workload reads. */
    Set<String> files();

    /** Maps the files and builds the fixed requests; called once before load starts. */
    Workload prepare(Corpus corpus, String hostHeader, String pathPrefix) throws IOException;

    /** The next request; called on the connection's event loop, with that loop's random source. */
    RequestTarget next(SplittableRandom random);

    static Workload parse(String spec, String mix, long rangeSize) throws UsageException {
        if (spec.startsWith("range:")) {
            String file = spec.substring("range:".length());
            long size = Corpus.size(file);
            if (rangeSize > size) {
                throw new UsageException("--range-size " + rangeSize + " is larger than " + file);
            }
            return new RangeOfFile(file, rangeSize, null, null, null);
        }
        if (spec.equals("mix")) {
            return MixOfFiles.parse(mix);
        }
        Corpus.size(spec);
        return new WholeFile(spec, null);
    }

    static List<Workload> parseList(String specs, String mix, long rangeSize) throws UsageException {
        List<Workload> workloads = new ArrayList<>();
        for (String spec : specs.split(",")) {
            if (!spec.isBlank()) {
                workloads.add(parse(spec.trim(), mix, rangeSize));
            }
        }
        if (workloads.isEmpty()) {
            throw new UsageException("--workloads names no workload");
        }
        return workloads;
    }

    /** {@code GET PATH HTTP/1.1} with Host and, when given, Range; nothing else, so every mode parses the same few bytes. */
    static byte[] requestBytes(String hostHeader, String path, String range) {
        StringBuilder text = new StringBuilder(96).append("GET ").append(path).append(" HTTP/1.1\r\nHost: ")
                .append(hostHeader).append("\r\n");
        if (range != null) {
            text.append("Range: bytes=").append(range).append("\r\n");
        }
        return text.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A request that never changes: built once, direct (so epoll writes it without a copy), written as a
     * duplicate and never released; it wraps a plain ByteBuffer, which the GC frees with the workload.
     */
    static ByteBuf fixedRequest(byte[] bytes) {
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(java.nio.ByteBuffer.allocateDirect(bytes.length).put(bytes).flip()));
    }

    record WholeFile(String file, RequestTarget target) implements Workload {

        @Override
        public String name() {
            return file;
        }

        @Override
        public Set<String> files() {
            return Set.of(file);
        }

        @Override
        public Workload prepare(Corpus corpus, String hostHeader, String pathPrefix) throws IOException {
            byte[] bytes = requestBytes(hostHeader, pathPrefix + Corpus.fileName(file), null);
            ByteBuf body = corpus.map(file);
            return new WholeFile(file, new RequestTarget(fixedRequest(bytes), body, 0, body.readableBytes(), 200));
        }

        @Override
        public RequestTarget next(SplittableRandom random) {
            return target;
        }
    }

    record MixOfFiles(String spec, List<String> names, int[] cumulativeWeights, RequestTarget[] targets)
            implements Workload {

        static MixOfFiles parse(String spec) throws UsageException {
            List<String> names = new ArrayList<>();
            List<Integer> weights = new ArrayList<>();
            for (String part : spec.split(",")) {
                String[] nameWeight = part.trim().split(":");
                if (nameWeight.length != 2) {
                    throw new UsageException("--mix wants NAME:WEIGHT,... (e.g. " + DEFAULT_MIX + "): " + spec);
                }
                Corpus.size(nameWeight[0]);
                int weight;
                try {
                    weight = Integer.parseInt(nameWeight[1]);
                } catch (NumberFormatException e) {
                    throw new UsageException("--mix weight is not a number: " + part);
                }
                if (weight < 1) {
                    throw new UsageException("--mix weight must be positive: " + part);
                }
                names.add(nameWeight[0]);
                weights.add(weight);
            }
            int[] cumulative = new int[weights.size()];
            int sum = 0;
            for (int i = 0; i < cumulative.length; i++) {
                sum += weights.get(i);
                cumulative[i] = sum;
            }
            return new MixOfFiles(spec, List.copyOf(names), cumulative, null);
        }

        @Override
        public String name() {
            return "mix";
        }

        @Override
        public Set<String> files() {
            return new LinkedHashSet<>(names);
        }

        @Override
        public Workload prepare(Corpus corpus, String hostHeader, String pathPrefix) throws IOException {
            RequestTarget[] prepared = new RequestTarget[names.size()];
            for (int i = 0; i < prepared.length; i++) {
                prepared[i] = new WholeFile(names.get(i), null).prepare(corpus, hostHeader, pathPrefix).next(null);
            }
            return new MixOfFiles(spec, names, cumulativeWeights, prepared);
        }

        @Override
        public RequestTarget next(SplittableRandom random) {
            int pick = random.nextInt(cumulativeWeights[cumulativeWeights.length - 1]);
            int i = 0;
            while (pick >= cumulativeWeights[i]) {
                i++;
            }
            return targets[i];
        }
    }

    record RangeOfFile(String file, long rangeSize, ByteBuf body, String hostHeader, String path)
            implements Workload {

        @Override
        public String name() {
            return "range-" + file;
        }

        @Override
        public Set<String> files() {
            return Set.of(file);
        }

        @Override
        public Workload prepare(Corpus corpus, String hostHeader, String pathPrefix) throws IOException {
            return new RangeOfFile(file, rangeSize, corpus.map(file), hostHeader, pathPrefix + Corpus.fileName(file));
        }

        @Override
        public RequestTarget next(SplittableRandom random) {
            long first = random.nextLong(body.readableBytes() - rangeSize + 1);
            long last = first + rangeSize - 1;
            byte[] bytes = requestBytes(hostHeader, path, first + "-" + last);
            return new RequestTarget(Unpooled.wrappedBuffer(bytes), body, first, rangeSize, 206);
        }
    }
}
