/*
 * UDP load generator, counter, reflector and round-trip prober for bench/bridge.ts: the
 * benchmark's traffic must come from something much faster than the bridge it measures, which
 * a Node dgram loop is not. Linux only (sendmmsg / recvmmsg); compiled by the benchmark with
 * `cc -O2`.
 *
 *   udpload blast DST_IP PORT PAYLOAD_BYTES RATE_PPS SECONDS
 *       Sends PAYLOAD_BYTES datagrams to DST_IP:PORT at RATE_PPS (0: as fast as it can) for
 *       SECONDS, then prints "sent N ns ELAPSED errors E".
 *   udpload count PORT
 *       Counts datagrams arriving on PORT (reading them every millisecond). Every line read on
 *       stdin makes it print the total so far ("N"); it exits at the end of stdin.
 *   udpload reflect PORT
 *       Sends every datagram arriving on PORT back to where it came from.
 *   udpload rtt DST_IP PORT FLOWS PPS_PER_FLOW PAYLOAD_BYTES SECONDS
 *       FLOWS streams (one socket, so one source port, each) of PPS_PER_FLOW datagrams a second
 *       towards a reflector; prints each round trip in nanoseconds, one per line, then
 *       "sent N received M".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_FLOWS 16
#define MAX_PAYLOAD 1472

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t deadline_ns) {
  struct timespec ts = {.tv_sec = deadline_ns / 1000000000, .tv_nsec = deadline_ns % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static void die(const char *what) {
  perror(what);
  exit(2);
}

static struct sockaddr_in address_of(const char *ip, int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
    fprintf(stderr, "bad IPv4 address %s\n", ip);
    exit(2);
  }
  return sa;
}

static int udp_socket(int port, int buffer_bytes) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  if (buffer_bytes > 0) {
    // The FORCE variants (root) ignore net.core.[rw]mem_max: a counter that drops datagrams
    // in its own socket would be measuring itself.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes) < 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer_bytes, sizeof buffer_bytes) < 0)
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  }
  if (port >= 0) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
  }
  return fd;
}

static int blast(const char *ip, int port, int payload, double rate, double seconds) {
  if (payload < 1 || payload > MAX_PAYLOAD) die("payload size");
  struct sockaddr_in to = address_of(ip, port);
  int fd = udp_socket(-1, 4 << 20);
  static char data[MAX_PAYLOAD];
  memset(data, 0x5a, sizeof data);
  struct iovec iov = {.iov_base = data, .iov_len = (size_t)payload};
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    // Unconnected: a connected socket would fail with ECONNREFUSED after an ICMP error.
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  // Wakes at most every 50 us (a few datagrams at a time at high rates): waking for every
  // datagram would cost the generator more CPU than sending it, taken from the bridge.
  uint64_t quantum = rate * 50e-6 > 1 ? (uint64_t)(rate * 50e-6) : 1;
  int64_t start = now_ns();
  int64_t end = start + (int64_t)(seconds * 1e9);
  uint64_t sent = 0, errors = 0;
  for (;;) {
    int64_t t = now_ns();
    if (t >= end) break;
    int n = BATCH;
    if (rate > 0) {
      // Token bucket over the clock: what is due by now, in batches of at most BATCH; when
      // nothing is due, sleep until the next datagram is (not spin: the machine has few cores
      // and the bridge under test needs one).
      int64_t due = (int64_t)((double)(t - start) * rate / 1e9) - (int64_t)sent;
      if (due <= 0) {
        sleep_until(start + (int64_t)((double)(sent + quantum) * 1e9 / rate));
        continue;
      }
      if (due < n) n = (int)due;
    }
    int done = sendmmsg(fd, msgs, (unsigned)n, 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      errors++;
      sent++; // counted as offered: the kernel refused it, which the receiver will see as loss
      continue;
    }
    sent += (uint64_t)done;
  }
  printf("sent %llu ns %lld errors %llu\n", (unsigned long long)sent,
         (long long)(now_ns() - start), (unsigned long long)errors);
  return 0;
}

static int count(int port) {
  int fd = udp_socket(port, 64 << 20);
  enum { N = 256 };
  static char buffers[N][64]; // only counted, so the datagrams may be cut
  struct iovec iov[N];
  struct mmsghdr msgs[N];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < N; i++) {
    iov[i].iov_base = buffers[i];
    iov[i].iov_len = sizeof buffers[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t total = 0;
  // Polls the socket every millisecond instead of sleeping on it: a sleeping reader is woken
  // by every datagram, and those wake-ups (an interrupt to an idle CPU each) would be charged
  // to whoever delivers the datagram, i.e. the bridge. The socket buffer holds far more than
  // a millisecond of traffic.
  struct pollfd input = {.fd = 0, .events = POLLIN};
  struct timespec tick = {.tv_sec = 0, .tv_nsec = 1000000};
  char line[256];
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (;;) {
    int got;
    while ((got = recvmmsg(fd, msgs, N, MSG_DONTWAIT, NULL)) > 0) total += (uint64_t)got;
    int ready = ppoll(&input, 1, &tick, NULL);
    if (ready < 0 && errno != EINTR) die("poll");
    if (ready > 0) {
      // Empty the socket first, so the answer includes everything that has arrived.
      while ((got = recvmmsg(fd, msgs, N, MSG_DONTWAIT, NULL)) > 0) total += (uint64_t)got;
      if (fgets(line, sizeof line, stdin) == NULL) return 0;
      printf("%llu\n", (unsigned long long)total);
    }
  }
}

static int reflect(int port) {
  int fd = udp_socket(port, 4 << 20);
  static char data[65536];
  for (;;) {
    struct sockaddr_in from;
    socklen_t length = sizeof from;
    ssize_t got = recvfrom(fd, data, sizeof data, 0, (struct sockaddr *)&from, &length);
    if (got < 0) {
      if (errno == EINTR) continue;
      die("recvfrom");
    }
    sendto(fd, data, (size_t)got, 0, (struct sockaddr *)&from, length);
  }
  return 0;
}

struct probe {
  uint32_t flow;
  uint32_t seq;
  int64_t sent_ns;
};

static int rtt(const char *ip, int port, int flows, double pps, int payload, double seconds) {
  if (flows < 1 || flows > MAX_FLOWS) die("flows");
  if (payload < (int)sizeof(struct probe) || payload > MAX_PAYLOAD) die("payload size");
  struct sockaddr_in to = address_of(ip, port);
  int fds[MAX_FLOWS];
  struct pollfd pfds[MAX_FLOWS];
  int64_t next[MAX_FLOWS];
  uint32_t seq[MAX_FLOWS];
  int64_t interval = (int64_t)(1e9 / pps);
  int64_t start = now_ns() + 10000000;
  int64_t end = start + (int64_t)(seconds * 1e9);
  for (int f = 0; f < flows; f++) {
    fds[f] = udp_socket(0, 0);
    pfds[f].fd = fds[f];
    pfds[f].events = POLLIN;
    // Spread the flows over the interval, as independent calls would be.
    next[f] = start + interval * f / flows;
    seq[f] = 0;
  }
  static char out[MAX_PAYLOAD], in[65536];
  memset(out, 0x5a, sizeof out);
  uint64_t sent = 0, received = 0;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  int64_t linger = end + 200000000; // stragglers still count
  for (;;) {
    int64_t t = now_ns();
    if (t >= linger) break;
    for (int f = 0; f < flows; f++) {
      if (t < end && t >= next[f]) {
        struct probe p = {.flow = (uint32_t)f, .seq = seq[f]++, .sent_ns = now_ns()};
        memcpy(out, &p, sizeof p);
        if (sendto(fds[f], out, (size_t)payload, 0, (struct sockaddr *)&to, sizeof to) > 0) sent++;
        next[f] += interval;
      }
    }
    int64_t wake = linger;
    for (int f = 0; f < flows; f++)
      if (t < end && next[f] < wake) wake = next[f];
    int64_t wait = wake - now_ns();
    if (wait < 0) wait = 0;
    struct timespec timeout = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
    int ready = ppoll(pfds, (nfds_t)flows, &timeout, NULL);
    if (ready <= 0) continue;
    for (int f = 0; f < flows; f++) {
      if (!(pfds[f].revents & POLLIN)) continue;
      ssize_t got;
      while ((got = recv(fds[f], in, sizeof in, MSG_DONTWAIT)) >= (ssize_t)sizeof(struct probe)) {
        int64_t arrived = now_ns();
        struct probe p;
        memcpy(&p, in, sizeof p);
        received++;
        printf("%lld\n", (long long)(arrived - p.sent_ns));
      }
    }
  }
  printf("sent %llu received %llu\n", (unsigned long long)sent, (unsigned long long)received);
  return 0;
}

int main(int argc, char **argv) {
  // Sleeps end when asked, not up to 50 us later (the default slack): pacing and probing
  // both depend on waking on time.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (argc == 7 && strcmp(argv[1], "blast") == 0)
    return blast(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atof(argv[6]));
  if (argc == 3 && strcmp(argv[1], "count") == 0) return count(atoi(argv[2]));
  if (argc == 3 && strcmp(argv[1], "reflect") == 0) return reflect(atoi(argv[2]));
  if (argc == 8 && strcmp(argv[1], "rtt") == 0)
    return rtt(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atoi(argv[6]),
               atof(argv[7]));
  fprintf(stderr, "usage: see the comment at the top of udpload.c\n");
  return 2;
}
