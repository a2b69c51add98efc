/* A complete libfogforge program: open a bundle, open a session, run a
 * batch, print the outputs. Builds with nothing but pkg-config:
 *
 *   cc infer.c $(pkg-config --cflags --libs fogforge) -o infer
 *   ./infer bitstreams/jet.tar [backend] [samples]
 *
 * Inputs are a deterministic ramp, so two backends can be compared. */
#include <fogforge/fogforge.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s BUNDLE [backend] [samples]\n", argv[0]);
        return 2;
    }
    const char *backend = argc > 2 ? argv[2] : "auto";
    int n = argc > 3 ? atoi(argv[3]) : 4;
    ff_err e;
    ff_bundle *b;
    ff_session *s;
    if (ff_bundle_open(argv[1], &b, &e)) {
        fprintf(stderr, "infer: %s\n", e.msg);
        return 2;
    }
    if (ff_session_open(b, backend, NULL, &s, &e)) {
        fprintf(stderr, "infer: %s (%s)\n", e.msg, ff_strerror(e.code));
        ff_bundle_close(b);
        return 2;
    }
    ff_io_info in, out;
    ff_bundle_input(b, &in);
    ff_bundle_output(b, &out);
    float *x = malloc(sizeof(float) * (size_t)(n * in.size));
    float *y = malloc(sizeof(float) * (size_t)(n * out.size));
    for (long i = 0; i < n * in.size; i++)
        x[i] = (float)((i % 13) - 6) / 4.0f;
    int rc = ff_session_infer(s, x, y, n, &e);
    if (rc) {
        fprintf(stderr, "infer: %s\n", e.msg);
    } else {
        printf("# bundle %s on %s (%s), predicted %.2f us per inference\n", ff_bundle_name(b),
               ff_session_backend(s), ff_session_device(s), ff_bundle_predicted_latency_us(b, ff_session_backend(s)));
        for (int k = 0; k < n; k++) {
            for (long j = 0; j < out.size; j++)
                printf("%s%.6g", j ? " " : "", y[k * out.size + j]);
            printf("\n");
        }
    }
    free(x);
    free(y);
    ff_session_close(s);
    ff_bundle_close(b);
    return rc ? 1 : 0;
}
