/* jack-tap: test sink for audio output tests without a sound card.
 * Registers JACK input ports tap:in_1 and tap:in_2 (the ALSA jack PCM in jack-asound.conf
 * connects to them), keeps what arrives in memory and writes it as a 16-bit stereo WAV on
 * SIGINT/SIGTERM or after the maximum duration. For every sound onset on in_1 (|sample| >
 * threshold after >= 50 ms below it) prints "onset_us N": the CLOCK_MONOTONIC time in
 * microseconds at which that sample passed through the JACK graph (same clock as Node's
 * process.hrtime.bigint(); jack_get_time() is NOT used, in jackd2 it is offset from it).
 * At exit prints "jack_xruns N" (xruns the JACK server reported while the tap ran).
 * Build: gcc -O2 -o jack-tap tests/audio/jack-tap.c -ljack -lm  (run-audio-tests.sh does it)
 * Run:   ./jack-tap out.wav [max-seconds=60] [threshold=0.1]        */
#include <jack/jack.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static jack_port_t *in[2];
static jack_client_t *client;
static float thr = 0.1f, *mem;
static size_t cap, pos = 0; /* frames */
static long quiet = 0, minQuiet;
static double rate;
static volatile int xruns = 0;
static volatile sig_atomic_t stop = 0;
static int process(jack_nframes_t n, void *arg) {
  (void)arg;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* start of this cycle */
  double now_us = ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
  float *a = jack_port_get_buffer(in[0], n), *b = jack_port_get_buffer(in[1], n);
  for (jack_nframes_t i = 0; i < n; i++) {
    if (fabsf(a[i]) > thr) {
      if (quiet >= minQuiet) { printf("onset_us %.0f\n", now_us + i * 1e6 / rate); fflush(stdout); }
      quiet = 0;
    } else quiet++;
    if (pos < cap) { mem[2 * pos] = a[i]; mem[2 * pos + 1] = b[i]; pos++; }
  }
  if (pos >= cap) stop = 1;
  return 0;
}
static int on_xrun(void *arg) { (void)arg; xruns++; return 0; }
static void on_sig(int s) { (void)s; stop = 1; }
static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }
int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: jack-tap out.wav [max-seconds] [threshold]\n"); return 2; }
  double secs = argc > 2 ? atof(argv[2]) : 60;
  if (argc > 3) thr = atof(argv[3]);
  jack_status_t st;
  client = jack_client_open("tap", JackNoStartServer, &st);
  if (!client) { fprintf(stderr, "cannot connect to jackd (status 0x%x)\n", st); return 1; }
  rate = jack_get_sample_rate(client);
  minQuiet = (long)(rate / 20);
  cap = (size_t)(secs * rate);
  mem = calloc(cap * 2, sizeof(float));
  in[0] = jack_port_register(client, "in_1", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
  in[1] = jack_port_register(client, "in_2", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
  jack_set_process_callback(client, process, 0);
  jack_set_xrun_callback(client, on_xrun, 0);
  signal(SIGTERM, on_sig); signal(SIGINT, on_sig);
  if (jack_activate(client)) { fprintf(stderr, "cannot activate\n"); return 1; }
  printf("ready rate %.0f period %u\n", rate, jack_get_buffer_size(client));
  fflush(stdout);
  while (!stop) usleep(20000);
  jack_deactivate(client);
  jack_client_close(client);
  FILE *f = fopen(argv[1], "wb");
  if (!f) { perror(argv[1]); return 1; }
  uint32_t bytes = (uint32_t)(pos * 4);
  fwrite("RIFF", 1, 4, f); put32(f, 36 + bytes); fwrite("WAVEfmt ", 1, 8, f);
  put32(f, 16); put16(f, 1); put16(f, 2); put32(f, (uint32_t)rate); put32(f, (uint32_t)rate * 4);
  put16(f, 4); put16(f, 16); fwrite("data", 1, 4, f); put32(f, bytes);
  for (size_t i = 0; i < pos * 2; i++) {
    float v = mem[i] > 1 ? 1 : mem[i] < -1 ? -1 : mem[i];
    int16_t s = (int16_t)lrintf(v * 32767);
    fwrite(&s, 2, 1, f);
  }
  fclose(f);
  printf("jack_xruns %d\nwrote %s (%.2f s)\n", xruns, argv[1], pos / rate);
  return 0;
}
