#ifndef GLUED_VERSION_H
#define GLUED_VERSION_H

/* The version glued reports (--version, logs, the man page); make reads it from here too. */
#define GLUED_VERSION "0.1.0"

#endif
