/* main.c: the Showroom app. Everything else lives in the sr-app library, which the UI
 * tests link too. */
#include "config.h"

#include "sr-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SrApplication) application = NULL;

  sr_application_init_i18n ();

  application = sr_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
