package dev.zeroedge.loadtest;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Lowers the scheduling priority of the calling thread alone: on Linux a nice value is a thread's
 * ({@code setpriority(PRIO_PROCESS, 0, n)} sets the caller's, not its process's). A load generator on the server's
 * own CPUs uses it for the clients that stand for other machines, so that their CPU does not delay the server it
 * measures. Raising a nice value needs no privilege.
 */
final class ThreadNice {

    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle SETPRIORITY = downcall();

    private ThreadNice() {
    }

    /** Sets this thread's nice value to {@code nice} (0..19); false where it cannot (not Linux, refused). */
    static boolean set(int nice) {
        if (SETPRIORITY == null) {
            return false;
        }
        try {
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, 0, nice) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    private static MethodHandle downcall() {
        try {
            if (!System.getProperty("os.name", "").equals("Linux")) {
                return null;
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("setpriority").map(symbol -> linker.downcallHandle(symbol,
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT))).orElse(null);
        } catch (RuntimeException notAllowed) {
            return null;
        }
    }
}
