/* replay.c - run a fuzz target's entry point over every file in a corpus folder, without
** libFuzzer (as SQLite's fuzzcheck replays its corpus): part of the normal test suite, so the
** sanitizer build checks every saved input on every commit. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        perror(argv[1]);
        return 1;
    }
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        uint8_t *buf = malloc(1 << 20);
        size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
        fclose(f);
        if (buf) LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        n++;
    }
    closedir(dir);
    printf("replayed %zu inputs from %s\n", n, argv[1]);
    return n > 0 ? 0 : 1;
}
