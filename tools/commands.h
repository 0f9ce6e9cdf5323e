/* topomix CLI — the subcommands. */
#ifndef TMX_COMMANDS_H
#define TMX_COMMANDS_H

int cmd_topo(int argc, char **argv);
int cmd_gap(int argc, char **argv);
int cmd_exact(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_data(int argc, char **argv);

#endif
