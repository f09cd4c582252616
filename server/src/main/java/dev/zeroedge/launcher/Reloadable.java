package dev.zeroedge.launcher;

import dev.zeroedge.cli.UsageException;

/**
 * A part of the running server that a reload may change beside its {@code ServerConfig}: the access log
 * ({@link ServeFlags.Change#LIVE_ACCESS_LOG}), the edge cache's sizes ({@link ServeFlags.Change#LIVE_CACHE}).
 * A part the server started without cannot be changed live: its flags are left for a restart.
 */
interface Reloadable {

    /** Whether the part is there to change. */
    boolean reloads();

    /**
     * Makes ready what {@code next} asks of the part, changing nothing yet; a problem (a file that cannot be
     * opened) is thrown and refuses the whole reload. The answer puts it in force, once the reload is known good.
     */
    Runnable prepare(ServeSettings next) throws UsageException;

    /** How a part that is there makes a reload ready: {@link #prepare}. */
    @FunctionalInterface
    interface Preparation {
        Runnable prepare(ServeSettings next) throws UsageException;
    }

    /** A part that is there, changed as {@code preparation} says. */
    static Reloadable of(Preparation preparation) {
        return new Reloadable() {
            @Override
            public boolean reloads() {
                return true;
            }

            @Override
            public Runnable prepare(ServeSettings next) throws UsageException {
                return preparation.prepare(next);
            }
        };
    }

    /** The part of a server that does not have it. */
    Reloadable ABSENT = new Reloadable() {
        @Override
        public boolean reloads() {
            return false;
        }

        @Override
        public Runnable prepare(ServeSettings next) {
            throw new IllegalStateException("not there to reload");
        }
    };
}
