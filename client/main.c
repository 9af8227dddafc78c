/* main.c: the Showroom app. Everything else lives in the sr-app library, which the UI
 * tests link too. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sr-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SrApplication) application = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = sr_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
