/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portresctl's subcommands: each is a main() of its own in a file of its
 * own (add.c, show.c, ...). argv[0] is the subcommand's name; the table in
 * portresctl.c names them, with their arguments and help text.
 */
#ifndef PORTRESCTL_SUBCOMMANDS_H
#define PORTRESCTL_SUBCOMMANDS_H

int show_main(int argc, char *argv[]);
int who_main(int argc, char *argv[]);
int monitor_main(int argc, char *argv[]);
int add_main(int argc, char *argv[]);
int delete_main(int argc, char *argv[]);
int lookup_main(int argc, char *argv[]);
int save_main(int argc, char *argv[]);
int restore_main(int argc, char *argv[]);
int daemon_main(int argc, char *argv[]);
int help_main(int argc, char *argv[]);

/* "Usage: portresctl NAME ARGS" and the help text of the table; EXIT_OK. */
int subcommand_help(const char *name);

#endif
