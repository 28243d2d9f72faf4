import "./page.css";
import "./app.js";
