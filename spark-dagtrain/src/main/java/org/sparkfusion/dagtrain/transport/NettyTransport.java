package org.sparkfusion.dagtrain.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct connections between the training tasks: every task listens on an ephemeral port and opens one
 * connection to each peer for its outgoing frames (incoming frames arrive on the peers' connections). Every
 * connection must pass the {@link ConnectionAuth} handshake with the run's secret before any frame is accepted; one
 * that does not (wrong MAC, another frame first, an oversized length, silence) is closed with a warning naming its
 * remote address and never reaches the inbox, so training goes on. After the handshake a connection is bound to the
 * task it authenticated as. Frames carry length and CRC-32 ({@link FrameDecoder}); a corrupt or truncated frame from
 * an authenticated peer, or such a peer closing its connection without saying goodbye, becomes an error for whoever
 * waits on that peer.
 */
public final class NettyTransport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
  final int me;
  final long timeoutMillis;
  final int maxPayload;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final Channel server;
  final Inbox inbox = new Inbox();
  private final Map<Integer, Channel> outgoing = new ConcurrentHashMap<>();
  private final Map<Integer, Outbox> outboxes = new ConcurrentHashMap<>();
  private final Map<Integer, CompletableFuture<Frame>> replies = new ConcurrentHashMap<>();
  private final Map<Integer, Boolean> saidBye = new ConcurrentHashMap<>();
  private String[] addresses;
  private volatile boolean closing;
  /** Time the event-loop threads spent copying and checking received frames (CRC-32), all peers. */
  public final LongAdder frameDecodeNanos = new LongAdder();
  /** Incoming connections closed because they did not authenticate. */
  public final LongAdder rejectedConnections = new LongAdder();
  /** Wall time of this task's outgoing handshakes (connect to authenticated), all peers, and their count. */
  public final LongAdder handshakeNanos = new LongAdder();
  public final LongAdder handshakes = new LongAdder();
  private final ConnectionAuth auth;
  private final long handshakeMillis;

  /**
   * @param secret the run's {@link ConnectionAuth#SECRET_BYTES}-byte secret; every peer must hold the same
   */
  public NettyTransport(int me, String host, int maxPayload, long timeoutMillis, byte[] secret) throws InterruptedException {
    this.me = me;
    this.maxPayload = maxPayload;
    this.timeoutMillis = timeoutMillis;
    this.auth = new ConnectionAuth(secret);
    // a real peer answers the challenge at once; an unauthenticated connection is not kept open longer than this
    this.handshakeMillis = Math.min(timeoutMillis, 30_000);
    ServerBootstrap sb = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override protected void initChannel(SocketChannel ch) {
            FrameDecoder d = FrameDecoder.beforeHandshake(maxPayload, frameDecodeNanos);
            ch.pipeline().addLast(d, new IncomingHandler(d));
          }
        });
    server = sb.bind(new InetSocketAddress(host, 0)).sync().channel();
  }

  /**
   * Emulated one-way propagation delay of what each peer sends to this task, in nanoseconds (0 = none): every frame
   * from peer j (data, pings, probes and their replies, goodbyes, errors) is handled that long after it arrived, on
   * the connection's event loop, so frames stay in order and a link keeps its rate (frames in flight overlap the
   * delay, as on a long line); a ping's round trip is the two directions' delays. Set before {@link #connect}.
   */
  private volatile long[] delayNanos = new long[0];

  /** {@code oneWaySeconds[j]}: the delay of frames from task j to this one (see {@link #delayNanos}). */
  public void delays(double[] oneWaySeconds) {
    long[] d = new long[oneWaySeconds.length];
    for (int j = 0; j < d.length; j++) {
      d[j] = Math.round(oneWaySeconds[j] * 1e9);
    }
    this.delayNanos = d;
  }

  /** Runs {@code r} on the channel's event loop after the emulated delay from {@code peer}, or now without one. */
  private void afterDelay(ChannelHandlerContext ctx, int peer, Runnable r) {
    long[] d = delayNanos;
    long nanos = peer >= 0 && peer < d.length ? d[peer] : 0;
    if (nanos <= 0) {
      r.run();
    } else {
      // equal delays keep arrival order: Netty runs scheduled tasks by deadline, ties in submission order
      ctx.executor().schedule(r, nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** host:port others connect to. */
  public String address() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  /** Connects to every other task; {@code rates[j]} (bytes/s, 0 = none) limits what this task sends to task j. */
  public void connect(String[] addresses, double[] rates) throws IOException, InterruptedException {
    this.addresses = addresses.clone();
    for (int j = 0; j < addresses.length; j++) {
      if (j == me) {
        continue;
      }
      inbox.name(j, "task " + j + " (" + addresses[j] + ")");
      String[] hp = addresses[j].split(":");
      final int peer = j;
      Channel ch = openAuthenticated(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), peer, true);
      outgoing.put(j, ch);
      double rate = rates == null || rates.length <= j ? 0 : rates[j];
      outboxes.put(j, new Outbox("task " + j + " (" + addresses[j] + ")", bytes -> write(ch, bytes, peer),
          rate > 0 ? new RateLimiter(rate) : null));
    }
    if (handshakes.sum() > 0) {
      LOG.info("dagtrain task {}: {} outgoing connection(s) authenticated, {} ms per handshake on average", me,
          handshakes.sum(), String.format("%.2f", handshakeNanos.sum() / 1e6 / handshakes.sum()));
    }
  }

  /**
   * Connects to task {@code peer} at {@code at} and passes the handshake; returns once both sides have proved they
   * hold the secret (nothing is sent on the connection before). {@code replies}: deliver pings' and probes' answers.
   */
  private Channel openAuthenticated(InetSocketAddress at, int peer, boolean replies) throws IOException,
      InterruptedException {
    long t0 = System.nanoTime();
    ClientHandshake[] hs = new ClientHandshake[1];
    Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeoutMillis, 60_000))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override protected void initChannel(SocketChannel ch) {
            FrameDecoder d = FrameDecoder.beforeHandshake(maxPayload, frameDecodeNanos);
            hs[0] = new ClientHandshake(peer, d);
            ch.pipeline().addLast(d, hs[0]);
            if (replies) {
              ch.pipeline().addLast(new ReplyHandler(peer));
            }
          }
        });
    String where = "task " + peer + " at " + at.getHostString() + ":" + at.getPort();
    ChannelFuture f = b.connect(at).await();
    if (!f.isSuccess()) {
      throw new IOException("cannot connect to " + where + ": " + f.cause(), f.cause());
    }
    try {
      hs[0].done.get(handshakeMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      f.channel().close();
      String why = e instanceof java.util.concurrent.TimeoutException ? "no answer within " + handshakeMillis + " ms"
          : e.getCause().getMessage();
      throw new IOException("cannot authenticate the connection to " + where + ": " + why, e);
    }
    handshakeNanos.add(System.nanoTime() - t0);
    handshakes.increment();
    return f.channel();
  }

  private void write(Channel ch, byte[] bytes, int peer) throws IOException {
    ChannelFuture f = ch.writeAndFlush(Unpooled.wrappedBuffer(bytes));
    try {
      if (!f.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw new IOException("write to task " + peer + " timed out after " + timeoutMillis + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted writing to task " + peer, e);
    }
    if (!f.isSuccess()) {
      throw new IOException("write to task " + peer + " failed: " + f.cause(), f.cause());
    }
  }

  public void send(int peer, Frame f) throws IOException {
    Outbox o = outboxes.get(peer);
    if (o == null) {
      throw new IOException("no connection to task " + peer);
    }
    o.send(f);
  }

  public Frame receive(int peer, byte type) throws IOException, InterruptedException {
    return inbox.take(peer, type, timeoutMillis);
  }

  /**
   * Returns once every one of {@code peers} has called this too: each side sends a start frame to the others and
   * waits for theirs. Spark's barrier releases tasks up to a second apart (it polls once a second), so without this
   * the stages that leave it first would count that second as their first step's waiting.
   */
  public void startTogether(int[] peers) throws IOException, InterruptedException {
    for (int p : peers) {
      send(p, new Frame(Frame.START, me, 0, 0, new byte[0]));
    }
    flush();
    for (int p : peers) {
      receive(p, Frame.START);
    }
  }

  public long bytesSent(int peer) {
    Outbox o = outboxes.get(peer);
    return o == null ? 0 : o.bytesSent();
  }

  public void flush() throws IOException, InterruptedException {
    for (Outbox o : outboxes.values()) {
      o.flush(timeoutMillis);
    }
  }

  /**
   * An authenticated connection from this task to its own server: every frame {@link SelfLink#carry carried} is
   * written to the socket, read and checked by the event loop and taken from the inbox, so the whole receive path
   * runs here, under this executor's CPU capacity (the message-cost probe measures a message through it). Its frames
   * are filed under this task and never reach the peers' inboxes.
   */
  public SelfLink openSelfLink() throws IOException, InterruptedException {
    return new SelfLink(openAuthenticated((InetSocketAddress) server.localAddress(), me, false));
  }

  /** See {@link #openSelfLink()}; closing it says goodbye and closes the connection. */
  public final class SelfLink implements AutoCloseable {
    private final Channel channel;

    private SelfLink(Channel channel) {
      this.channel = channel;
    }

    /** Sends one encoded activations frame to this task and returns it as received (checked and decoded). */
    public Frame carry(byte[] frame) throws IOException, InterruptedException {
      write(channel, frame, me);
      return inbox.take(me, Frame.ACTIVATIONS, timeoutMillis);
    }

    @Override
    public void close() throws IOException, InterruptedException {
      write(channel, FrameCodec.encode(new Frame(Frame.BYE, me, 0, 0, new byte[0])), me);
      channel.close().await();
    }
  }

  /** Measures {latency seconds, bytes per second} towards {@code peer} with pings and growing probes. */
  public double[] measure(int peer, int maxProbeBytes) throws IOException, InterruptedException {
    double rtt = Double.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      request(peer, new Frame(Frame.PING, me, i, 0, new byte[0]));
      rtt = Math.min(rtt, (System.nanoTime() - t0) / 1e9);
    }
    int size = 16 * 1024;
    double bandwidth = 0;
    while (true) {
      long t0 = System.nanoTime();
      request(peer, new Frame(Frame.PROBE, me, size, 0, new byte[size]));
      double secs = (System.nanoTime() - t0) / 1e9;
      bandwidth = (size + FrameCodec.HEADER_BYTES) / Math.max(secs - rtt, secs * 0.05);
      if (secs > 0.25 || size >= maxProbeBytes) {
        break;
      }
      size = Math.min(maxProbeBytes, size * 4);
    }
    return new double[] {rtt / 2, bandwidth};
  }

  private Frame request(int peer, Frame f) throws IOException, InterruptedException {
    CompletableFuture<Frame> reply = new CompletableFuture<>();
    replies.put(peer, reply);
    send(peer, f);
    try {
      return reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("no reply to " + Frame.typeName(f.type()) + " from task " + peer + " within " + timeoutMillis + " ms");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("measuring the link to task " + peer + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** Says goodbye to every peer, so that closing the connections afterwards is not an error. */
  public void goodbye() throws IOException, InterruptedException {
    for (int j : outboxes.keySet()) {
      send(j, new Frame(Frame.BYE, me, 0, 0, new byte[0]));
    }
    flush();
  }

  @Override
  public void close() {
    closing = true;
    outboxes.values().forEach(Outbox::close);
    for (Channel c : outgoing.values()) {
      c.close();
    }
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /**
   * Frames from a peer's outgoing connection: first the handshake (challenge out, response checked, proof back),
   * then data, probes to answer, goodbye. Until the handshake passes {@code peer} is -1 and nothing reaches the inbox.
   */
  private final class IncomingHandler extends SimpleChannelInboundHandler<Object> {
    private final FrameDecoder decoder;
    private int peer = -1;
    private byte[] challenge;
    private ScheduledFuture<?> deadline;

    IncomingHandler(FrameDecoder decoder) {
      this.decoder = decoder;
    }

    @Override public void channelActive(ChannelHandlerContext ctx) {
      challenge = ConnectionAuth.nonce();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.encode(new Frame(Frame.AUTH_CHALLENGE, me, 0, 0, challenge))));
      deadline = ctx.executor().schedule(() -> {
        if (peer < 0) {
          reject(ctx, "no handshake within " + handshakeMillis + " ms");
        }
      }, handshakeMillis, TimeUnit.MILLISECONDS);
      ctx.fireChannelActive();
    }

    /** Closes an unauthenticated connection; the run and the authenticated peers' connections are not affected. */
    private void reject(ChannelHandlerContext ctx, String why) {
      if (!ctx.channel().isOpen()) {
        return;
      }
      decoder.reject();
      rejectedConnections.increment();
      LOG.warn("dagtrain task {}: rejected an unauthenticated connection from {}: {}", me, ctx.channel().remoteAddress(),
          why);
      ctx.close();
    }

    private void authenticate(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Frame f)) {
        reject(ctx, "closed during the handshake");
        return;
      }
      if (f.type() != Frame.AUTH_RESPONSE) {
        reject(ctx, "sent a " + Frame.typeName(f.type()) + " frame before authenticating");
        return;
      }
      byte[] p = f.payload();
      if (p.length != ConnectionAuth.NONCE_BYTES + ConnectionAuth.MAC_BYTES || f.from() < 0) {
        reject(ctx, "malformed handshake response");
        return;
      }
      byte[] nonce = java.util.Arrays.copyOfRange(p, 0, ConnectionAuth.NONCE_BYTES);
      byte[] mac = java.util.Arrays.copyOfRange(p, ConnectionAuth.NONCE_BYTES, p.length);
      if (!ConnectionAuth.matches(auth.clientProof(f.from(), me, challenge, nonce), mac)) {
        reject(ctx, "wrong handshake MAC (claimed to be task " + f.from() + ")");
        return;
      }
      peer = f.from();
      decoder.authenticated();
      deadline.cancel(false);
      ctx.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.encode(new Frame(Frame.AUTH_OK, me, 0, 0,
          auth.serverProof(peer, me, challenge, nonce)))));
    }

    @Override protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (peer < 0) {
        authenticate(ctx, msg);
        return;
      }
      afterDelay(ctx, peer, () -> handle(ctx, msg));
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FrameDecoder.Truncated t) {
        if (peer >= 0) {
          inbox.fail(peer, "truncated frame from task " + peer + ": connection closed with " + t.bytes()
              + " bytes of an incomplete frame");
        }
        return;
      }
      Frame f = (Frame) msg;
      switch (f.type()) {
        case Frame.PING -> ctx.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.encode(new Frame(Frame.PONG, me, f.step(), 0, new byte[0]))));
        case Frame.PROBE -> ctx.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.encode(new Frame(Frame.PROBE_ACK, me, f.step(), 0, new byte[0]))));
        case Frame.BYE -> saidBye.put(peer, true);
        case Frame.AUTH_CHALLENGE, Frame.AUTH_RESPONSE, Frame.AUTH_OK, Frame.HELLO ->
            inbox.fail(peer, "task " + peer + " sent a " + Frame.typeName(f.type()) + " frame after the handshake");
        // Keyed by the connection's (authenticated) task, not by the frame's sender field (stages number themselves
        // by stage).
        default -> inbox.deliver(peer >= 0 ? peer : f.from(), f);
      }
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      // after the frames still travelling on the emulated line (a goodbye among them)
      afterDelay(ctx, peer, this::closed);
    }

    private void closed() {
      if (peer >= 0 && !saidBye.containsKey(peer) && !closing) {
        inbox.fail(peer, "task " + peer + " (" + (addresses == null ? "?" : addresses[peer])
            + ") closed its connection mid-training: the peer vanished");
      }
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable root = cause.getCause() != null ? cause.getCause() : cause;
      if (peer < 0) {
        reject(ctx, String.valueOf(root.getMessage()));
        return;
      }
      if (peer >= 0) {
        inbox.fail(peer, "bad message from task " + peer + ": " + root.getMessage());
      }
      lastError = root;
      ctx.close();
    }
  }

  volatile Throwable lastError;

  /**
   * The connecting side of the handshake: answers the challenge with this task's proof, checks the accepting side's
   * proof, then lets frames through to the next handler. {@link #done} completes when both proofs are in.
   */
  private final class ClientHandshake extends ChannelInboundHandlerAdapter {
    private final int server;
    private final FrameDecoder decoder;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private byte[] challenge;
    private byte[] nonce;

    ClientHandshake(int server, FrameDecoder decoder) {
      this.server = server;
      this.decoder = decoder;
    }

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (done.isDone()) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (!(msg instanceof Frame f)) {
        fail(ctx, "the connection closed during the handshake");
        return;
      }
      if (challenge == null) {
        if (f.type() != Frame.AUTH_CHALLENGE || f.payload().length != ConnectionAuth.NONCE_BYTES) {
          fail(ctx, "expected a handshake challenge, got a " + Frame.typeName(f.type()) + " frame");
          return;
        }
        challenge = f.payload();
        nonce = ConnectionAuth.nonce();
        byte[] proof = auth.clientProof(me, server, challenge, nonce);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.encode(new Frame(Frame.AUTH_RESPONSE, me, 0, 0,
            ConnectionAuth.responsePayload(nonce, proof)))));
        return;
      }
      if (f.type() != Frame.AUTH_OK
          || !ConnectionAuth.matches(auth.serverProof(me, server, challenge, nonce), f.payload())) {
        fail(ctx, "the peer did not prove it holds this run's secret");
        return;
      }
      decoder.authenticated();
      done.complete(null);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
      decoder.reject();
      done.completeExceptionally(new IOException(why));
      ctx.close();
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      if (!done.isDone()) {
        // the accepting side closes a connection whose proof it rejected, e.g. when the secrets differ
        done.completeExceptionally(new IOException("the peer closed the connection during the handshake (does it"
            + " hold this run's secret?)"));
      }
      ctx.fireChannelInactive();
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!done.isDone()) {
        Throwable root = cause.getCause() != null ? cause.getCause() : cause;
        fail(ctx, String.valueOf(root.getMessage()));
        return;
      }
      ctx.fireExceptionCaught(cause);
    }
  }

  /** Replies to this task's pings and probes, on its outgoing connection. */
  private final class ReplyHandler extends SimpleChannelInboundHandler<Object> {
    private final int peer;

    ReplyHandler(int peer) {
      this.peer = peer;
    }

    @Override protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      afterDelay(ctx, peer, () -> {
        CompletableFuture<Frame> r = replies.remove(peer);
        if (r != null && msg instanceof Frame f) {
          r.complete(f);
        }
      });
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      afterDelay(ctx, peer, this::closed);
    }

    private void closed() {
      if (!closing && !saidBye.containsKey(peer)) {
        inbox.fail(peer, "connection to task " + peer + " closed: the peer vanished");
        CompletableFuture<Frame> r = replies.remove(peer);
        if (r != null) {
          r.completeExceptionally(new IOException("connection to task " + peer + " closed"));
        }
      }
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      inbox.fail(peer, "transport error towards task " + peer + ": " + cause.getMessage());
      ctx.close();
    }
  }
}
