package io.membrane.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The design's conventions as rules over the compiled main classes of every module (DESIGN.md, "Layout" and
 * "Actor tree"): the module arrows {@code maps <- datapath <- actors <- cluster} hold between packages, raw FFI
 * ({@code io.membrane.maps.sys}) is reached only from the maps layer and a named list of datapath classes that
 * wrap libbpf objects and programs, and no actor protocol carries HTTP or JSON types. A new caller of raw FFI or
 * a protocol message holding a Jackson or Pekko HTTP type fails here; adding a wrapper to the list is a
 * decision to make in review, not a side effect.
 */
class ArchitectureTest {
    private static final String MAPS = "io.membrane.maps..";
    private static final String DATAPATH = "io.membrane.datapath..";
    private static final String ACTORS = "io.membrane.actors..";
    private static final String CLUSTER = "io.membrane.cluster..";
    private static final String RAW_FFI = "io.membrane.maps.sys..";
    private static final String[] HTTP_AND_JSON = {"org.apache.pekko.http..", "com.fasterxml.."};

    /**
     * The datapath classes that own a libbpf object, program attachment or kernel handle and so may call the raw
     * bindings: each turns pointers and negative returns into typed results and exceptions for the layers above.
     */
    static final List<String> FFI_WRAPPERS = List.of(
            "io.membrane.datapath.BpfObject", // bpf_object__open/load, map reuse, programs
            "io.membrane.datapath.Btf", // the object's BTF, for the layout check
            "io.membrane.datapath.LibbpfLog", // libbpf's print hook
            "io.membrane.datapath.PerfEventReader", // perf_buffer__new/poll/consume
            "io.membrane.datapath.Tc", // bpf_tc_hook_create/attach/query/detach
            "io.membrane.datapath.Tcx", // bpf_link_create/update/detach for tcx
            "io.membrane.datapath.TestRun", // BPF_PROG_TEST_RUN
            "io.membrane.datapath.Xdp", // bpf_xdp_attach/detach/query
            "io.membrane.datapath.net.Devices", // if_nametoindex
            "io.membrane.datapath.net.Netns"); // open + setns

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("io.membrane");
        for (String module : List.of("maps", "datapath", "actors", "cluster")) {
            assertTrue(
                    main.stream().anyMatch(c -> c.getPackageName().startsWith("io.membrane." + module)),
                    "no main classes of " + module + " were imported: the rules would pass vacuously");
        }
        assertTrue(
                main.stream().noneMatch(c -> c.getPackageName().equals("io.membrane.architecture")),
                "test classes must not be imported");
    }

    @Test
    void modulesPointOneWay() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("maps")
                .definedBy(MAPS)
                .layer("datapath")
                .definedBy(DATAPATH)
                .layer("actors")
                .definedBy(ACTORS)
                .layer("cluster")
                .definedBy(CLUSTER)
                .whereLayer("cluster")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("actors")
                .mayOnlyBeAccessedByLayers("cluster")
                .whereLayer("datapath")
                .mayOnlyBeAccessedByLayers("actors", "cluster")
                .whereLayer("maps")
                .mayOnlyBeAccessedByLayers("datapath", "actors", "cluster")
                .because("imports point one way: maps <- datapath <- actors <- cluster (DESIGN.md)")
                .check(main);
    }

    @Test
    void rawFfiStaysBehindTheMapsLayerAndTheNamedWrappers() {
        noClasses()
                .that()
                .resideOutsideOfPackage(MAPS)
                .and(isNot(namedFfiWrapper()))
                .should()
                .dependOnClassesThat()
                .resideInAPackage(RAW_FFI)
                .because("pointers and negative returns become typed results in maps and in the wrappers named in"
                        + " ArchitectureTest.FFI_WRAPPERS; everything else uses those")
                .check(main);
    }

    @Test
    void everyNamedWrapperExistsAndUsesRawFfi() {
        Set<String> using = main.stream()
                .filter(c -> c.getDirectDependenciesFromSelf().stream()
                        .anyMatch(d -> d.getTargetClass().getPackageName().startsWith("io.membrane.maps.sys")))
                .map(ArchitectureTest::topLevelName)
                .collect(Collectors.toSet());
        for (String wrapper : FFI_WRAPPERS) {
            assertTrue(
                    using.contains(wrapper),
                    wrapper + " is listed as an FFI wrapper but does not use " + RAW_FFI
                            + " (or is gone): take it off the list");
        }
    }

    @Test
    void actorProtocolsCarryNoHttpOrJsonTypes() {
        Set<String> protocol = protocolTypes();
        for (String known : List.of(
                "io.membrane.actors.prefilter.Prefilter$Command",
                "io.membrane.actors.Agent$ApiBound",
                "io.membrane.actors.api.AdminRoutes$Targets",
                "io.membrane.cluster.PrefilterReplication$Command")) {
            assertTrue(protocol.contains(known), known + " not found among " + protocol);
        }
        noClasses()
                .that(DescribedPredicate.describe(
                        "are actor protocol types (" + protocol.size() + ")",
                        (JavaClass c) -> protocol.contains(c.getName())))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(HTTP_AND_JSON)
                .because("the routes translate between HTTP/JSON and the protocols in one place; no actor knows"
                        + " about HTTP (STYLE.md)")
                .check(main);
    }

    /**
     * The messages and replies of every actor: the interfaces, records and enums nested in a class that makes a
     * Behavior and, transitively, the implementations of those interfaces and the types the records' components
     * hold (generic arguments included: a {@code replyTo} names its reply type). A component that is a plain
     * class (an actor's collaborator, such as a live map) is checked itself but not followed further: its own
     * fields are its implementation, not the protocol.
     */
    private static Set<String> protocolTypes() {
        Set<String> found = new TreeSet<>();
        Deque<JavaClass> todo = new ArrayDeque<>();
        for (JavaClass c : main) {
            if (c.getEnclosingClass().filter(ArchitectureTest::makesBehaviors).isPresent()
                    && (c.isInterface() || c.isRecord() || c.isEnum())) {
                todo.add(c);
            }
        }
        while (!todo.isEmpty()) {
            JavaClass c = todo.pop();
            if (!c.getPackageName().startsWith("io.membrane") || !found.add(c.getName())) {
                continue;
            }
            if (c.isInterface()) {
                todo.addAll(c.getSubclasses());
            }
            if (c.isRecord()) {
                c.getFields().stream()
                        .filter(f -> !f.getModifiers().contains(JavaModifier.STATIC))
                        .forEach(f -> todo.addAll(f.getAllInvolvedRawTypes()));
            }
        }
        return found;
    }

    private static boolean makesBehaviors(JavaClass c) {
        return c.getMethods().stream()
                        .anyMatch(m -> m.getRawReturnType().getName().equals("org.apache.pekko.actor.typed.Behavior"))
                || c.isAssignableTo("org.apache.pekko.actor.typed.javadsl.AbstractBehavior");
    }

    private static DescribedPredicate<JavaClass> namedFfiWrapper() {
        return DescribedPredicate.describe(
                "one of the FFI wrappers named in ArchitectureTest.FFI_WRAPPERS",
                c -> FFI_WRAPPERS.contains(topLevelName(c)));
    }

    private static <T> DescribedPredicate<T> isNot(DescribedPredicate<T> p) {
        return DescribedPredicate.not(p);
    }

    /** Nested and anonymous classes (lambdas compile into their host) belong to their top-level class. */
    private static String topLevelName(JavaClass c) {
        int dollar = c.getName().indexOf('$');
        return dollar < 0 ? c.getName() : c.getName().substring(0, dollar);
    }
}
