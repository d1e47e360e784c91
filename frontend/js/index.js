// The entry page: straight to chat with a session, to login without one.
import { tokens } from "./api.js";
import "./i18n.js";

location.replace(tokens.present ? "chat.html" : "login.html");
