// What bin/podrun runs: the CLI on the process's arguments.
import { main } from './main';

main(process.argv.slice(2));
