package io.streamrt.jobs.kafka;

import org.apache.kafka.common.test.PreboundSocketFactoryManager;
import org.apache.kafka.server.ServerSocketFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The test kit's socket pre-binder, bound to 127.0.0.1 instead of the wildcard address.
 *
 * <p>{@code KafkaClusterTestKit} opens every listener socket before the broker starts (so the quorum
 * voters can name the controller's port) and its {@link PreboundSocketFactoryManager} binds them to
 * {@code 0.0.0.0}, whatever {@code listeners} says. The broker then adopts those sockets, so a demo
 * broker would be reachable from every interface. This replacement keeps the kit's contract (one
 * socket per node and listener, handed out once, unused ones closed on {@link #close()}) and binds to
 * the IPv4 loopback address only. Package-private: {@link EmbeddedKafka} is the only user.
 *
 * <p>Usage, as {@link EmbeddedKafka} does it:
 * <pre>{@code
 * LoopbackSocketFactoryManager sockets = new LoopbackSocketFactoryManager();
 * int controllerPort = sockets.getOrCreatePortForListener(0, "CONTROLLER");
 * // ... inject into KafkaClusterTestKit.Builder before build()
 * }</pre>
 */
final class LoopbackSocketFactoryManager extends PreboundSocketFactoryManager {

    /** 127.0.0.1 literally: {@code InetAddress.getLoopbackAddress()} is ::1 under preferIPv6Addresses. */
    static final InetAddress LOOPBACK_V4 = ipv4Loopback();

    private final Map<Integer, Map<String, ServerSocketChannel>> sockets = new HashMap<>();
    private final Map<Integer, Set<String>> usedListeners = new HashMap<>();
    private final Map<Integer, ServerSocketFactory> factories = new HashMap<>();
    private boolean closed;

    @Override
    public synchronized ServerSocketChannel getSocketForListenerAndMarkAsUsed(int nodeId, String listener) {
        ServerSocketChannel socket = sockets.getOrDefault(nodeId, Map.of()).get(listener);
        if (socket == null) {
            return null;
        }
        usedListeners.computeIfAbsent(nodeId, id -> new HashSet<>()).add(listener);
        return socket;
    }

    @Override
    public synchronized ServerSocketFactory getOrCreateSocketFactory(int nodeId) {
        return factories.computeIfAbsent(nodeId, id -> (listenerName, address, backlog, receiveBuffer) ->
                openForNode(id, listenerName, address, backlog, receiveBuffer));
    }

    @Override
    public synchronized int getOrCreatePortForListener(int nodeId, String listener) throws IOException {
        Map<String, ServerSocketChannel> forNode = sockets.computeIfAbsent(nodeId, id -> new HashMap<>());
        ServerSocketChannel socket = forNode.get(listener);
        if (socket == null) {
            if (closed) {
                throw new IllegalStateException("Cannot open a socket for node " + nodeId + " listener "
                        + listener + ": the socket manager is closed. Start a new EmbeddedKafka.");
            }
            socket = ServerSocketFactory.INSTANCE.openServerSocket(
                    listener, new InetSocketAddress(LOOPBACK_V4, 0), -1, -1);
            forNode.put(listener, socket);
        }
        return ((InetSocketAddress) socket.getLocalAddress()).getPort();
    }

    /** Whether the server adopted the pre-bound socket of this listener (rather than opening its own). */
    synchronized boolean wasUsed(int nodeId, String listener) {
        return usedListeners.getOrDefault(nodeId, Set.of()).contains(listener);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Adopted sockets belong to the broker's SocketServer, which closes them on shutdown.
        for (Map.Entry<Integer, Map<String, ServerSocketChannel>> node : sockets.entrySet()) {
            Set<String> used = usedListeners.getOrDefault(node.getKey(), Set.of());
            for (Map.Entry<String, ServerSocketChannel> listener : node.getValue().entrySet()) {
                if (!used.contains(listener.getKey())) {
                    closeQuietly(listener.getValue());
                }
            }
        }
    }

    private ServerSocketChannel openForNode(int nodeId, String listenerName, InetSocketAddress requested,
                                            int backlog, int receiveBuffer) throws IOException {
        ServerSocketChannel prebound = getSocketForListenerAndMarkAsUsed(nodeId, listenerName);
        if (prebound != null && prebound.isOpen()) {
            return prebound;
        }
        // A restarted server closed its socket: rebind the same port so clients find it again.
        int port = prebound != null ? prebound.socket().getLocalPort() : requested.getPort();
        return ServerSocketFactory.INSTANCE.openServerSocket(
                listenerName, new InetSocketAddress(LOOPBACK_V4, port), backlog, receiveBuffer);
    }

    private static void closeQuietly(ServerSocketChannel socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing listens on it yet; a failed close leaks one descriptor until exit, nothing more.
        }
    }

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
