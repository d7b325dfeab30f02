/* podrun-helper: the pod monitor, the pause process and the exec entry point, as one static-free
   single-threaded program so that namespace work never happens inside Node. See docs/protocol.md. */
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: podrun-helper monitor|pause|exec ...\n");
      return 2;
    }
  fprintf (stderr, "podrun-helper: %s: not built yet\n", argv[1]);
  return 2;
}
