/* Test driver for the fog daemons until the fogforge CLI carries them:
 *   fogd edge|cloud|robot [options]  ==  fogforge edge|cloud|robot [options] */
#include <stdio.h>
#include <string.h>

#include "fog_cmds.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "edge") == 0) return ff_cmd_edge(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "cloud") == 0) return ff_cmd_cloud(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "robot") == 0) return ff_cmd_robot(argc - 1, argv + 1);
    fprintf(stderr, "fogforge: unknown command: %s\n", argc >= 2 ? argv[1] : "(none)");
    return 2;
}
