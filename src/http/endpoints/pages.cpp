#include "http/endpoints/pages.hpp"

#include "http/parse.hpp"

#include <boost/json.hpp>

namespace gatehouse::http::pages {
namespace {

std::string layout(std::string_view title, std::string_view body) {
    std::string html;
    html.reserve(body.size() + 800);
    html +=
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    html += html_escape(title);
    html +=
        " · Gatehouse</title>\n<link rel=\"stylesheet\" href=\"/assets/gatehouse.css\">\n</head>\n<body>\n"
        "<main class=\"card\">\n<div class=\"brand\"><span class=\"logo\" "
        "aria-hidden=\"true\"></span>Gatehouse</div>\n";
    html += body;
    html += "</main>\n<footer>Secured by Gatehouse</footer>\n</body>\n</html>\n";
    return html;
}

// JSON for an inline <script>: "</script>", "<!--" and the JS line separators cannot appear raw.
std::string script_json(const boost::json::value& v) {
    std::string raw = boost::json::serialize(v);
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xe2' && i + 2 < raw.size() && raw[i + 1] == '\x80' &&
                   (raw[i + 2] == '\xa8' || raw[i + 2] == '\xa9')) {
            out += raw[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

namespace {

// An application that requires an organization asks for its name before anything else.
std::string organization_prompt(const oauth::LoginForm& form) {
    std::string b = "<h1>Enter your organization</h1>\n<p class=\"lead\">Continue to <strong>" +
                    html_escape(form.client_name) + "</strong> with your organization.</p>\n";
    if (!form.error.empty()) b += "<div class=\"alert\" role=\"alert\">" + html_escape(form.error) + "</div>\n";
    b += "<form method=\"post\" action=\"/u/organization\" class=\"stack\">\n";
    b += "<input type=\"hidden\" name=\"state\" value=\"" + html_escape(form.interaction_id) + "\">\n";
    b += "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(form.csrf_token) + "\">\n";
    b += "<label for=\"organization\">Organization name</label>\n";
    b += "<input id=\"organization\" name=\"organization\" type=\"text\" autocapitalize=\"none\" "
         "spellcheck=\"false\" required autofocus value=\"" +
         html_escape(form.username) + "\">\n";
    b += "<button type=\"submit\" class=\"primary\">Continue</button>\n</form>\n";
    return layout("Organization", b);
}

}  // namespace

std::string login_page(const oauth::LoginForm& form) {
    if (form.organization_prompt) return organization_prompt(form);
    const bool signup = form.signup;
    std::string b;
    b += "<h1>";
    b += signup ? "Create your account" : "Welcome";
    b += "</h1>\n<p class=\"lead\">";
    b += signup ? "Sign up to continue to " : "Log in to continue to ";
    b += "<strong>" + html_escape(form.client_name) + "</strong>";
    if (!form.organization_name.empty())
        b += " as a member of <strong class=\"organization\">" + html_escape(form.organization_name) + "</strong>";
    b += ".</p>\n";
    if (!form.error.empty()) b += "<div class=\"alert\" role=\"alert\">" + html_escape(form.error) + "</div>\n";
    if (!form.database_connection.empty()) {
        b += "<form method=\"post\" action=\"";
        b += signup ? "/u/signup" : "/u/login";
        b += "\" class=\"stack\">\n";
        b += "<input type=\"hidden\" name=\"state\" value=\"" + html_escape(form.interaction_id) + "\">\n";
        b += "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(form.csrf_token) + "\">\n";
        b += "<label for=\"username\">Email address</label>\n";
        b += "<input id=\"username\" name=\"username\" type=\"text\" inputmode=\"email\" autocomplete=\"username\" "
             "autocapitalize=\"none\" spellcheck=\"false\" required autofocus value=\"" +
             html_escape(form.username) + "\">\n";
        b += "<label for=\"password\">Password</label>\n";
        b += "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"";
        b += signup ? "new-password\" minlength=\"8\"" : "current-password\"";
        b += " required>\n";
        b += "<button type=\"submit\" class=\"primary\">";
        b += signup ? "Sign up" : "Continue";
        b += "</button>\n</form>\n";
    }
    if (!form.buttons.empty()) {
        if (!form.database_connection.empty()) b += "<div class=\"divider\"><span>or</span></div>\n";
        b += "<div class=\"stack\">\n";
        for (const auto& button : form.buttons) {
            // A plain link: /authorize with connection= is the same request with the IdP chosen.
            b += "<a class=\"social " + html_escape(button.strategy) +
                 "\" href=\"/u/connection?state=" + html_escape(form.interaction_id) +
                 "&amp;connection=" + html_escape(button.connection) + "\">Continue with " +
                 html_escape(button.display_name) + "</a>\n";
        }
        b += "</div>\n";
    }
    if (form.signup_allowed) {
        b += "<p class=\"switch\">";
        if (signup) {
            b += "Already have an account? <a href=\"/u/login?state=" + html_escape(form.interaction_id) +
                 "\">Log in</a>";
        } else {
            b += "Don't have an account? <a href=\"/u/signup?state=" + html_escape(form.interaction_id) +
                 "\">Sign up</a>";
        }
        b += "</p>\n";
    }
    return layout(signup ? "Sign up" : "Log in", b);
}

std::string error_page(std::string_view title, std::string_view message) {
    std::string b = "<h1>" + html_escape(title) + "</h1>\n<div class=\"alert\" role=\"alert\">" + html_escape(message) +
                    "</div>\n<p class=\"hint\">If you followed a link from an application, "
                    "go back to it and try again.</p>\n";
    return layout(title, b);
}

std::string reset_password_page(const oauth::ResetForm& form) {
    std::string b = "<h1>Change your password</h1>\n<p class=\"lead\">Choose a new password for <strong>" +
                    html_escape(form.email) + "</strong>.</p>\n";
    if (!form.error.empty()) b += "<div class=\"alert\" role=\"alert\">" + html_escape(form.error) + "</div>\n";
    b += "<form method=\"post\" action=\"/u/reset-password\" class=\"stack\">\n";
    b += "<input type=\"hidden\" name=\"ticket\" value=\"" + html_escape(form.ticket) + "\">\n";
    b += "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(form.csrf_token) + "\">\n";
    // The username field lets password managers file the new password under the right account.
    b += "<input type=\"hidden\" name=\"username\" autocomplete=\"username\" value=\"" + html_escape(form.email) +
         "\">\n";
    b += "<label for=\"password\">New password</label>\n";
    b += "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" "
         "maxlength=\"128\" required autofocus>\n";
    b += "<label for=\"password_confirmation\">Confirm new password</label>\n";
    b += "<input id=\"password_confirmation\" name=\"password_confirmation\" type=\"password\" "
         "autocomplete=\"new-password\" minlength=\"8\" maxlength=\"128\" required>\n";
    b += "<button type=\"submit\" class=\"primary\">Change password</button>\n</form>\n";
    return layout("Change password", b);
}

std::string message_page(std::string_view title, std::string_view message) {
    return layout(title, "<h1>" + html_escape(title) + "</h1>\n<p class=\"lead\">" + html_escape(message) + "</p>\n");
}

std::string logged_out_page() {
    return layout("Signed out", "<h1>You are signed out</h1>\n<p class=\"lead\">You can close this window.</p>\n");
}

std::string form_post_page(std::string_view action, const std::vector<std::pair<std::string, std::string>>& fields,
                           std::string_view script_nonce) {
    std::string b = "<h1>Redirecting…</h1>\n<form method=\"post\" action=\"" + html_escape(action) + "\">\n";
    for (const auto& [k, v] : fields)
        b += "<input type=\"hidden\" name=\"" + html_escape(k) + "\" value=\"" + html_escape(v) + "\">\n";
    b += "<noscript><p class=\"lead\">JavaScript is off: continue by hand.</p></noscript>\n"
         "<button type=\"submit\" class=\"primary\">Continue</button>\n</form>\n";
    b += "<script nonce=\"" + html_escape(script_nonce) + "\">document.forms[0].submit();</script>\n";
    return layout("Redirecting", b);
}

std::string web_message_page(std::string_view target_origin,
                             const std::vector<std::pair<std::string, std::string>>& fields,
                             std::string_view script_nonce) {
    boost::json::object response;
    for (const auto& [k, v] : fields) response[k] = v;
    boost::json::object message{{"type", "authorization_response"}, {"response", std::move(response)}};
    std::string html =
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Authorization "
        "Response</title></head>\n<body>\n<script nonce=\"";
    html += html_escape(script_nonce);
    html += "\">\n(function () {\n  var targetOrigin = ";
    html += script_json(boost::json::string(target_origin));
    html += ";\n  var message = ";
    html += script_json(message);
    html +=
        ";\n  var target = window.opener || window.parent;\n  target.postMessage(message, targetOrigin);\n})();\n"
        "</script>\n</body>\n</html>\n";
    return html;
}

std::string demo_callback_page(std::string_view issuer,
                               const std::vector<std::pair<std::string, std::string>>& params) {
    std::string code, error, description;
    for (const auto& [k, v] : params) {
        if (k == "code") code = v;
        if (k == "error") error = v;
        if (k == "error_description") description = v;
    }
    std::string b;
    if (!error.empty()) {
        b += "<h1>Login failed</h1>\n<div class=\"alert\" role=\"alert\">" + html_escape(error) + ": " +
             html_escape(description) + "</div>\n";
        return layout("Demo callback", b);
    }
    b += "<h1>Authorization code received</h1>\n<p class=\"lead\">Step 4 of the PKCE flow: exchange it, with the "
         "code verifier that <code>make run</code> printed, within 60 seconds.</p>\n<pre class=\"code\">curl -s " +
         html_escape(issuer) +
         "oauth/token \\\n  -d grant_type=authorization_code \\\n  -d client_id=&lt;demo client id&gt; \\\n"
         "  -d code_verifier=&lt;code verifier&gt; \\\n  -d redirect_uri=" +
         html_escape(issuer) + "demo/callback \\\n  -d code=" + html_escape(code) + "</pre>\n";
    return layout("Demo callback", b);
}

std::string_view stylesheet() {
    return R"css(:root {
  --bg: #f4f5f7; --card: #ffffff; --text: #1f2328; --muted: #5b6470; --line: #d8dde3;
  --accent: #3b5bdb; --accent-dark: #2f4ac0; --danger-bg: #fdecec; --danger: #b42318; --radius: 10px;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1115; --card: #181b21; --text: #e6e8eb; --muted: #9aa3ad; --line: #2c313a;
          --danger-bg: #3a1d1d; --danger: #ffb4ab; }
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  min-height: 100vh; display: flex; flex-direction: column; align-items: center; justify-content: center;
  background: var(--bg); color: var(--text);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  padding: 24px 16px;
}
.card {
  width: 100%; max-width: 400px; background: var(--card); border: 1px solid var(--line);
  border-radius: 16px; padding: 40px 36px 32px; box-shadow: 0 12px 40px rgba(16, 24, 40, 0.08);
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 700; letter-spacing: 0.02em;
         color: var(--muted); margin-bottom: 28px; }
.logo { width: 28px; height: 28px; border-radius: 8px;
        background: linear-gradient(135deg, var(--accent) 0%, #7048e8 100%); display: inline-block; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 8px; }
.lead { color: var(--muted); margin: 0 0 24px; }
.hint { color: var(--muted); font-size: 0.9rem; margin-top: 20px; }
.stack { display: flex; flex-direction: column; gap: 10px; }
label { font-size: 0.9rem; font-weight: 600; margin-top: 6px; }
input[type=text], input[type=password], input[type=email] {
  width: 100%; padding: 12px 14px; font: inherit; color: var(--text); background: transparent;
  border: 1px solid var(--line); border-radius: var(--radius); outline: none;
}
input:focus { border-color: var(--accent); box-shadow: 0 0 0 3px rgba(59, 91, 219, 0.2); }
button, .social {
  display: block; width: 100%; padding: 12px 16px; font: inherit; font-weight: 600; text-align: center;
  border-radius: var(--radius); cursor: pointer; text-decoration: none;
}
button.primary { margin-top: 14px; border: 0; background: var(--accent); color: #fff; }
button.primary:hover { background: var(--accent-dark); }
.social { border: 1px solid var(--line); color: var(--text); background: transparent; }
.social:hover { border-color: var(--accent); }
.divider { display: flex; align-items: center; gap: 12px; color: var(--muted); font-size: 0.85rem; margin: 22px 0; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
.alert { background: var(--danger-bg); color: var(--danger); border-radius: var(--radius); padding: 12px 14px;
         margin: 0 0 16px; font-size: 0.95rem; }
.switch { text-align: center; color: var(--muted); margin: 24px 0 0; font-size: 0.95rem; }
a { color: var(--accent); }
pre.code { background: var(--bg); border: 1px solid var(--line); border-radius: var(--radius); padding: 12px;
           overflow-x: auto; font-size: 0.85rem; }
footer { color: var(--muted); font-size: 0.8rem; margin-top: 20px; }
@media (max-width: 480px) {
  body { padding: 0; justify-content: flex-start; }
  .card { border-radius: 0; border-left: 0; border-right: 0; box-shadow: none; min-height: 100vh; padding: 32px 22px; }
  footer { display: none; }
}
)css";
}

}  // namespace gatehouse::http::pages
