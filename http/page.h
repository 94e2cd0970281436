/* page: the HTML page served at / (plain HTML, inline CSS and script, no
 * external resources). The script fetches /v1/enumerate, lists frameworks,
 * tasks and their names, and filters them with a search box; ?q=text
 * presets the filter. Every value is inserted with textContent, never as
 * markup. */
#ifndef MDNS_HTTP_PAGE_H
#define MDNS_HTTP_PAGE_H

extern const char http_page_html[];

/* Content-Security-Policy sent with the page: its own inline script and
 * style, fetches to this origin, nothing else. */
#define HTTP_PAGE_CSP                                                                              \
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "                  \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

#endif
