/* Entry points of the fog daemons, for the fogforge command table:
 *   fogforge edge  ...  -> ff_cmd_edge(argc, argv)
 *   fogforge cloud ...  -> ff_cmd_cloud(argc, argv)
 *   fogforge robot ...  -> ff_cmd_robot(argc, argv)
 *   fogforge monitor .. -> ff_cmd_monitor(argc, argv)
 * argv[0] is the subcommand name; each parses its own options (--help),
 * prints errors as "fogforge: <what>: <where>" and returns the process exit
 * code: 0 success, 1 internal failure, 2 bad input. */
#ifndef FF_FOG_CMDS_H
#define FF_FOG_CMDS_H
int ff_cmd_edge(int argc, char **argv);
int ff_cmd_cloud(int argc, char **argv);
int ff_cmd_robot(int argc, char **argv);
int ff_cmd_eval(int argc, char **argv);  /* fog/eval.c */
int ff_cmd_monitor(int argc, char **argv);  /* fog/monitor.c */
int ff_cmd_net(int argc, char **argv);      /* fog/net_cmd.c */
#endif
