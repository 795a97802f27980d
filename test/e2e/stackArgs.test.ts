import { describe, expect, it } from 'vitest';
import { parseStackArgs, showsSummary, UsageError, type StackArgs } from '../../dev/stack/args';

describe('npm start arguments', () => {
  it('defaults to a minute per second, .rpcopy/, a restore point every 4 hours', () => {
    expect(parseStackArgs([])).toEqual({
      kind: 'run',
      args: { speed: 60, dataDir: '.rpcopy', restorePointHours: 4, quiet: false },
    });
  });

  it('reads every option, in both spellings', () => {
    expect(
      parseStackArgs([
        '--speed',
        '600',
        '--data=/tmp/d',
        '--ready-file',
        '/tmp/ready.json',
        '--port=0',
        '--restore-point-hours',
        '0',
        '--quiet',
      ]),
    ).toEqual({
      kind: 'run',
      args: {
        speed: 600,
        dataDir: '/tmp/d',
        readyFile: '/tmp/ready.json',
        port: 0,
        restorePointHours: 0,
        quiet: true,
      },
    });
  });

  it('asks for help with -h or --help, whatever else is given', () => {
    expect(parseStackArgs(['--speed', '2', '-h'])).toEqual({ kind: 'help' });
    expect(parseStackArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--sped', '2'], "unknown option '--sped'"],
    [['serve'], "unexpected argument 'serve': this command takes options only"],
    [['--speed'], '--speed needs a value'],
    [['--speed', '--quiet'], '--speed needs a value'],
    [['--speed', '0'], "--speed must be a positive number, got '0'"],
    [['--speed', '-5'], "--speed must be a positive number, got '-5'"],
    [['--speed', 'fast'], "--speed must be a positive number, got 'fast'"],
    [['--speed='], "--speed must be a positive number, got ''"],
    [['--port', '70000'], "--port must be an integer from 0 to 65535, got '70000'"],
    [['--port', '80.5'], "--port must be an integer from 0 to 65535, got '80.5'"],
    [['--restore-point-hours', '-1'], "--restore-point-hours must be a number of at least 0, got '-1'"],
    [['--data', ''], '--data needs a non-empty path'],
    [['--ready-file='], '--ready-file needs a non-empty path'],
    [['--speed', '2', '--speed', '3'], '--speed was given more than once'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseStackArgs(argv)).toThrow(new UsageError(message));
  });
});

describe('when npm start shows its live summary', () => {
  const args = (argv: string[]): StackArgs => {
    const parsed = parseStackArgs(argv);
    if (parsed.kind !== 'run') {
      throw new Error('expected run');
    }
    return parsed.args;
  };

  it.each([
    { argv: [], stdout: true, stdin: true, shows: true },
    { argv: [], stdout: false, stdin: true, shows: false },
    { argv: ['--ready-file', 'ready.json'], stdout: true, stdin: false, shows: false },
    { argv: ['--ready-file', 'ready.json'], stdout: true, stdin: true, shows: true },
    { argv: ['--quiet'], stdout: true, stdin: true, shows: false },
    { argv: ['--summary'], stdout: false, stdin: false, shows: true },
  ])('$argv with stdout a terminal: $stdout, stdin: $stdin → $shows', ({ argv, stdout, stdin, shows }) => {
    expect(showsSummary(args(argv), { stdout, stdin })).toBe(shows);
  });

  it('refuses --quiet with --summary', () => {
    expect(() => parseStackArgs(['--quiet', '--summary'])).toThrow(
      new UsageError('--quiet and --summary cannot be combined'),
    );
  });
});
