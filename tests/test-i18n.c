/* test-i18n.c: the app's translations, from the build dir's compiled catalogues: a few
 * strings come out in French and in Hindi, plurals pick the right form, and every
 * message in po/showroom.pot has a translation in each language. */
#define G_LOG_DOMAIN "test-i18n"

#include "config.h"

#include <check.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <string.h>

static const char *const languages[] = { "fr", "hi" };

typedef struct
{
  char *context;
  char *id;
  char *plural;
} Message;

static void
message_free (Message *message)
{
  g_free (message->context);
  g_free (message->id);
  g_free (message->plural);
  g_free (message);
}

/* Switches the language gettext answers in. glibc caches translations per locale, not
 * per $LANGUAGE: setting the locale again drops that cache. */
static void
use_language (const char *language)
{
  g_setenv ("LANGUAGE", language, TRUE);
  setlocale (LC_ALL, "");
}

static void
setup (void)
{
  const char *localedir = g_getenv ("SHOWROOM_LOCALEDIR");

  ck_assert_msg (localedir != NULL, "SHOWROOM_LOCALEDIR is not set");
  /* gettext ignores $LANGUAGE in the C locale; C.UTF-8 is on every glibc system and
   * lets it through. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  ck_assert_ptr_nonnull (setlocale (LC_ALL, ""));
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

/* The string's translation, failing the test when there is none. */
static const char *
tr (const char *msgid)
{
  const char *text = g_dgettext (GETTEXT_PACKAGE, msgid);

  ck_assert_msg (text != msgid, "no %s translation of \"%s\"", g_getenv ("LANGUAGE"), msgid);
  return text;
}

static const char *
trn (const char *msgid,
     const char *plural,
     gulong      n)
{
  const char *text = g_dngettext (GETTEXT_PACKAGE, msgid, plural, n);

  ck_assert_msg (text != msgid && text != plural, "no %s translation of \"%s\"",
                 g_getenv ("LANGUAGE"), msgid);
  return text;
}

START_TEST (test_french)
{
  use_language ("fr");

  ck_assert_str_eq (tr ("_Sign In"), "_Se connecter");
  ck_assert_str_eq (tr ("Sign In to Showroom"), "Connexion à Showroom");
  /* The same word in French, but translated all the same. */
  ck_assert_str_eq (tr ("Stock"), "Stock");
  ck_assert_str_eq (tr ("Approvals"), "Validations");
  ck_assert_str_eq (g_dpgettext2 (GETTEXT_PACKAGE, "shortcut window", "Search the stock"),
                    "Rechercher dans le stock");

  /* French uses the singular for 0 and 1. */
  ck_assert_str_eq (trn ("%'u vehicle", "%'u vehicles", 0), "%'u véhicule");
  ck_assert_str_eq (trn ("%'u vehicle", "%'u vehicles", 1), "%'u véhicule");
  ck_assert_str_eq (trn ("%'u vehicle", "%'u vehicles", 2), "%'u véhicules");
  ck_assert_str_eq (trn ("%d minute ago", "%d minutes ago", 5), "il y a %d minutes");
}
END_TEST

START_TEST (test_hindi)
{
  use_language ("hi");

  ck_assert_str_eq (tr ("_Sign In"), "साइन इन करें (_S)");
  ck_assert_str_eq (tr ("Stock"), "स्टॉक");
  ck_assert_str_eq (tr ("Approvals"), "स्वीकृतियाँ");
  ck_assert_str_eq (tr ("VIN"), "VIN");

  ck_assert_str_eq (trn ("%d hour ago", "%d hours ago", 1), "%d घंटा पहले");
  ck_assert_str_eq (trn ("%d hour ago", "%d hours ago", 3), "%d घंटे पहले");
  ck_assert_str_eq (trn ("%u proposal waits for a manager", "%u proposals wait for a manager", 0),
                    "%u प्रस्ताव मैनेजर की प्रतीक्षा में हैं");
}
END_TEST

START_TEST (test_english)
{
  /* Without a language the app speaks its own. */
  use_language ("C");
  ck_assert_str_eq (g_dgettext (GETTEXT_PACKAGE, "_Sign In"), "_Sign In");
}
END_TEST

/* The messages of a .pot file, but its header. Enough of the PO syntax for what
 * xgettext writes: keywords, quoted strings, continuation lines. */
static GPtrArray *
read_pot (const char *path)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) message_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  Message *message = NULL;
  char **field = NULL;

  ck_assert_msg (g_file_get_contents (path, &contents, NULL, &error), "%s", error ? error->message : "");
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *quoted = strchr (line, '"');
      g_autofree char *escaped = NULL;
      g_autofree char *text = NULL;

      if (quoted == NULL || line[0] == '#')
        {
          field = NULL;
          continue;
        }
      escaped = g_strndup (quoted + 1, strlen (quoted + 1) - 1);
      text = g_strcompress (escaped);

      if (g_str_has_prefix (line, "msgstr"))
        {
          /* The message is complete once its translation starts. */
          if (message != NULL && *message->id != '\0')
            g_ptr_array_add (messages, g_steal_pointer (&message));
          g_clear_pointer (&message, message_free);
          field = NULL;
          continue;
        }

      if (line[0] == '"')
        {
          /* A continuation line. */
          if (field != NULL)
            {
              char *joined = g_strconcat (*field, text, NULL);

              g_free (*field);
              *field = joined;
            }
          continue;
        }

      if (message == NULL)
        message = g_new0 (Message, 1);
      if (g_str_has_prefix (line, "msgctxt "))
        field = &message->context;
      else if (g_str_has_prefix (line, "msgid_plural "))
        field = &message->plural;
      else if (g_str_has_prefix (line, "msgid "))
        field = &message->id;
      else
        {
          field = NULL;
          continue;
        }
      g_free (*field);
      *field = g_steal_pointer (&text);
    }

  g_clear_pointer (&message, message_free);
  return g_steal_pointer (&messages);
}

START_TEST (test_complete)
{
  const char *pot = g_getenv ("SR_POT");
  g_autoptr(GPtrArray) messages = NULL;

  ck_assert_msg (pot != NULL, "SR_POT is not set");
  messages = read_pot (pot);
  /* A sanity check on the parser: the app has hundreds of messages. */
  ck_assert_uint_gt (messages->len, 300);

  for (guint l = 0; l < G_N_ELEMENTS (languages); l++)
    {
      use_language (languages[l]);

      for (guint i = 0; i < messages->len; i++)
        {
          Message *message = g_ptr_array_index (messages, i);
          const char *text;

          /* gettext hands back the very msgid when it has no translation (or only
           * a fuzzy one, which msgfmt leaves out): compare pointers, since some
           * translations read the same as the English. */
          if (message->context != NULL)
            text = g_dpgettext2 (GETTEXT_PACKAGE, message->context, message->id);
          else if (message->plural != NULL)
            text = g_dngettext (GETTEXT_PACKAGE, message->id, message->plural, 1);
          else
            text = g_dgettext (GETTEXT_PACKAGE, message->id);

          ck_assert_msg (text != message->id && *text != '\0', "no %s translation of \"%s\"",
                         languages[l], message->id);
          if (message->plural != NULL)
            {
              text = g_dngettext (GETTEXT_PACKAGE, message->id, message->plural, 2);
              ck_assert_msg (text != message->plural && *text != '\0',
                             "no %s translation of \"%s\"", languages[l], message->plural);
            }
        }
    }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("i18n");
  TCase *strings = tcase_create ("strings");
  TCase *complete = tcase_create ("complete");
  SRunner *runner;
  int failed;

  tcase_add_checked_fixture (strings, setup, NULL);
  tcase_add_test (strings, test_french);
  tcase_add_test (strings, test_hindi);
  tcase_add_test (strings, test_english);
  suite_add_tcase (suite, strings);

  tcase_add_checked_fixture (complete, setup, NULL);
  tcase_add_test (complete, test_complete);
  suite_add_tcase (suite, complete);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
