/* sr-sign-in-page.h: the first screen: server, e-mail, password, "remember me", and
 * the questions a first connection raises (trust this certificate?). */
#pragma once

#include <adwaita.h>

#include "sr-client.h"

G_BEGIN_DECLS

#define SR_TYPE_SIGN_IN_PAGE (sr_sign_in_page_get_type ())

G_DECLARE_FINAL_TYPE (SrSignInPage, sr_sign_in_page, SR, SIGN_IN_PAGE, GtkWidget)

GtkWidget *sr_sign_in_page_new          (SrClient     *client,
                                         GSettings    *settings);
/* Shows why the session ended (NULL: clears the message). */
void       sr_sign_in_page_show_message (SrSignInPage *self,
                                         const char   *message);
void       sr_sign_in_page_focus        (SrSignInPage *self);
/* Fills in the server (from the command line, say), over what was remembered. */
void       sr_sign_in_page_set_server   (SrSignInPage *self,
                                         const char   *address,
                                         gboolean      use_tls);

G_END_DECLS
