package io.membrane.datapath.net;

/** An {@code ip} command of {@link HostRoutes} that failed: the command, its exit code and what it printed. */
public final class RouteException extends RuntimeException {
    private final String command;
    private final int exitCode;

    public RouteException(String command, int exitCode, String output) {
        super(command + ": " + (output.isEmpty() ? "exit " + exitCode : output));
        this.command = command;
        this.exitCode = exitCode;
    }

    public String command() {
        return command;
    }

    public int exitCode() {
        return exitCode;
    }
}
