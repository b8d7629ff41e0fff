package io.sslwrite.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a package as lines of text, one per type, supertype, constructor, method and field,
 * in a Java-like form that a person can read and copy into the fence list:
 *
 * <pre>
 * class io.sslwrite.SslWantWriteException
 * io.sslwrite.SslWantWriteException extends javax.net.ssl.SSLException
 * io.sslwrite.SslWantWriteException(java.lang.String)
 * static io.sslwrite.SslWriteContext$Builder io.sslwrite.SslWriteContext.forServer(java.security.PrivateKey, java.security.cert.X509Certificate...)
 * &lt;T&gt; boolean io.sslwrite.SslWriteHandler.setOption(io.netty.channel.ChannelOption&lt;T&gt;, T)
 * static io.netty.channel.ChannelOption&lt;java.lang.Boolean&gt; io.sslwrite.SslWriteOption.PARTIAL_WRITE
 * </pre>
 *
 * A line holds what a caller's or a subclass's source depends on: the name, the parameter types, the
 * return or field type with its type arguments, {@code static}, {@code abstract}, {@code protected}
 * (public is left unsaid) and the checked exceptions. {@code final} and {@code synchronized} are left
 * out: they do not break callers.
 */
final class ApiSignatures {

    private ApiSignatures() { }

    /** Every public and protected signature of the public types of {@code packageName} and its subpackages. */
    static Set<String> of(Class<?> anyClassOfThePackage) {
        String packageName = anyClassOfThePackage.getPackageName();
        Set<String> lines = new TreeSet<>();
        for (Class<?> type : publicTypes(anyClassOfThePackage, packageName)) {
            lines.addAll(of0(type));
        }
        return lines;
    }

    /**
     * The lines of {@code fenced} that {@code current} lacks, each followed by the current lines of the
     * same member (same owner and name), so that a changed signature shows beside what it became.
     */
    static List<String> missing(Set<String> fenced, Set<String> current) {
        List<String> report = new ArrayList<>();
        for (String line : fenced) {
            if (current.contains(line)) {
                continue;
            }
            report.add("missing: " + line);
            String member = memberKey(line);
            for (String now : current) {
                if (member != null && member.equals(memberKey(now))) {
                    report.add("    now: " + now);
                }
            }
        }
        return report;
    }

    /** Lines of a fence file: blank lines and {@code #} comments are skipped, spaces trimmed. */
    static Set<String> parse(List<String> fileLines) {
        return fileLines.stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** {@code owner.name} of a member line, or null for a type or supertype line. */
    static String memberKey(String line) {
        if (line.contains(" extends ") || line.startsWith("class ") || line.startsWith("interface ")
                || line.startsWith("enum ") || line.startsWith("abstract class ")) {
            return null;
        }
        int paren = line.indexOf('(');
        String head = paren < 0 ? line : line.substring(0, paren);
        return head.substring(head.lastIndexOf(' ') + 1);
    }

    private static List<String> of0(Class<?> type) {
        List<String> lines = new ArrayList<>();
        lines.add(kind(type) + " " + type.getTypeName());
        for (Class<?> supertype : supertypes(type)) {
            lines.add(type.getTypeName() + " extends " + supertype.getTypeName());
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (visible(c.getModifiers()) && !c.isSynthetic() && !type.isEnum()) {
                lines.add(modifiers(c.getModifiers(), false) + typeParameters(c.getTypeParameters())
                        + type.getTypeName() + parameters(c) + exceptions(c));
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge() && !enumBoilerplate(type, m)) {
                lines.add(modifiers(m.getModifiers(), !type.isInterface()) + typeParameters(m.getTypeParameters())
                        + m.getGenericReturnType().getTypeName() + " " + type.getTypeName() + "." + m.getName()
                        + parameters(m) + exceptions(m));
            }
        }
        for (Field f : type.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic()) {
                lines.add(modifiers(f.getModifiers(), false) + f.getGenericType().getTypeName() + " "
                        + type.getTypeName() + "." + f.getName());
            }
        }
        return lines;
    }

    private static String kind(Class<?> type) {
        if (type.isAnnotation()) {
            return "annotation";
        }
        if (type.isInterface()) {
            return "interface";
        }
        if (type.isEnum()) {
            return "enum";
        }
        return Modifier.isAbstract(type.getModifiers()) ? "abstract class" : "class";
    }

    /** Every class and interface {@code type} is assignable to, except Object and itself. */
    private static Set<Class<?>> supertypes(Class<?> type) {
        Set<Class<?>> seen = new LinkedHashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(type);
        while (!todo.isEmpty()) {
            Class<?> t = todo.poll();
            List<Class<?>> direct = new ArrayList<>(Arrays.asList(t.getInterfaces()));
            if (t.getSuperclass() != null && t.getSuperclass() != Object.class) {
                direct.add(t.getSuperclass());
            }
            for (Class<?> s : direct) {
                if (seen.add(s)) {
                    todo.add(s);
                }
            }
        }
        return seen;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    /** {@code values()} and {@code valueOf(String)}, which the compiler writes for every enum. */
    private static boolean enumBoilerplate(Class<?> type, Method m) {
        return type.isEnum() && Modifier.isStatic(m.getModifiers())
                && (m.getName().equals("values") && m.getParameterCount() == 0
                    || m.getName().equals("valueOf") && Arrays.equals(m.getParameterTypes(), new Class<?>[] {String.class}));
    }

    private static String modifiers(int modifiers, boolean sayAbstract) {
        StringBuilder sb = new StringBuilder();
        if (Modifier.isProtected(modifiers)) {
            sb.append("protected ");
        }
        if (Modifier.isStatic(modifiers)) {
            sb.append("static ");
        }
        if (sayAbstract && Modifier.isAbstract(modifiers)) {
            sb.append("abstract ");
        }
        return sb.toString();
    }

    private static String typeParameters(TypeVariable<?>[] variables) {
        if (variables.length == 0) {
            return "";
        }
        return Stream.of(variables).map(v -> {
            List<String> bounds = Stream.of(v.getBounds()).filter(b -> b != Object.class).map(Type::getTypeName)
                    .collect(Collectors.toList());
            return bounds.isEmpty() ? v.getName() : v.getName() + " extends " + String.join(" & ", bounds);
        }).collect(Collectors.joining(", ", "<", "> "));
    }

    private static String parameters(Executable e) {
        Type[] types = e.getGenericParameterTypes();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            String name = types[i].getTypeName();
            if (e.isVarArgs() && i == types.length - 1 && name.endsWith("[]")) {
                name = name.substring(0, name.length() - 2) + "...";
            }
            names.add(name);
        }
        return "(" + String.join(", ", names) + ")";
    }

    private static String exceptions(Executable e) {
        List<String> checked = Stream.of(e.getGenericExceptionTypes()).map(Type::getTypeName).sorted()
                .collect(Collectors.toList());
        return checked.isEmpty() ? "" : " throws " + String.join(", ", checked);
    }

    /** The public types, top-level and nested, of the package, read from the directory or jar it was loaded from. */
    private static List<Class<?>> publicTypes(Class<?> anchor, String packageName) {
        Path location;
        try {
            location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        String prefix = packageName.replace('.', '/') + "/";
        List<String> entries;
        try {
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.walk(location)) {
                    entries = files.map(p -> location.relativize(p).toString().replace('\\', '/'))
                            .collect(Collectors.toList());
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    entries = jar.stream().map(e -> e.getName()).collect(Collectors.toList());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Class<?>> types = new ArrayList<>();
        for (String entry : entries) {
            if (!entry.startsWith(prefix) || !entry.endsWith(".class") || entry.endsWith("module-info.class")
                    || entry.endsWith("package-info.class")) {
                continue;
            }
            String binaryName = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
            Class<?> type;
            try {
                type = Class.forName(binaryName, false, anchor.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("listed but not loadable: " + binaryName, e);
            }
            if (isPublicApi(type)) {
                types.add(type);
            }
        }
        return types;
    }

    /** Public, and every enclosing type public too; anonymous and local classes never are. */
    private static boolean isPublicApi(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isLocalClass() || t.isSynthetic()) {
                return false;
            }
        }
        return true;
    }
}
