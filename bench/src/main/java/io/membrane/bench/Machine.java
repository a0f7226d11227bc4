package io.membrane.bench;

import io.membrane.maps.Libbpf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;

/** Where and when figures were measured, as each BENCHMARKS.md section states it. */
public record Machine(LocalDate date, String kernel, int cpus, String libbpf, String jdk) {
    public static Machine current() throws IOException {
        return new Machine(
                LocalDate.now(),
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                Runtime.getRuntime().availableProcessors(),
                Libbpf.version(),
                System.getProperty("java.vm.version"));
    }

    /** "Measured DATE on Linux KERNEL, N CPUs, libbpf V, JDK V" and then {@code tools} ("gcc 12.2.0"), no period. */
    public String measured(String... tools) {
        StringBuilder sb = new StringBuilder(String.format(
                Locale.ROOT,
                "Measured %s on Linux %s, %d CPUs, libbpf %s, " + "JDK %s",
                date,
                kernel,
                cpus,
                libbpf,
                jdk));
        for (String tool : tools) {
            sb.append(", ").append(tool);
        }
        return sb.toString();
    }

    /** Adds date, kernel and cpus to a bench's JSON fields. */
    public void describe(Map<String, Object> json) {
        json.put("date", date.toString());
        json.put("kernel", kernel);
        json.put("cpus", cpus);
    }
}
