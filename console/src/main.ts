/** The console page's entry (`console/index.html`): Web Awesome's theme, then the shell, which does the rest. */
import '@awesome.me/webawesome/dist/styles/webawesome.css';
import './shell/shell.js';
