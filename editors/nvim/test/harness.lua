-- What the headless Neovim runs (run_fix.lua, run_live.lua, run_commands.lua) share: this
-- folder's editors/nvim on the runtimepath, the RESULT.json they write before quitting, the
-- server started from the environment, waiting with the server's exit in view, and
-- integrity-lsp's diagnostics of a buffer as plain tables. Loaded with
-- `dofile(<this folder>/harness.lua)`.
--
-- Environment:
--   INTEGRITY_LSP_CMD          JSON list replacing the server command (default: the config's
--                              {'integrity-lsp', 'serve'}), e.g. '["python", "-m", "integrity_lsp", "serve"]'
--   INTEGRITY_LSP_SETTINGS     JSON table for settings['integrity-lsp'] and init_options
--   INTEGRITY_LSP_TIMEOUT_MS   how long to wait at each step (default 60000)

local M = {}

local here = vim.fs.normalize(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p'))
-- editors/nvim, whose lsp/integrity_lsp.lua is the configuration under test.
vim.opt.runtimepath:prepend(vim.fs.dirname(vim.fs.dirname(here)))

--- A run whose `result` table goes to `path` (stdout without one) when it finishes.
--- `run.finish()` writes it and quits Neovim: exit status 0 when `result.ok`, else 1.
--- `run.fail(message)` records the message and finishes.
function M.run(path, result)
  local run = { result = result, timeout = tonumber(os.getenv('INTEGRITY_LSP_TIMEOUT_MS') or '') or 60000 }

  function run.finish()
    if path then
      local handle = assert(io.open(path, 'w'))
      handle:write(vim.json.encode(result))
      handle:close()
    else
      io.stdout:write(vim.json.encode(result) .. '\n')
    end
    vim.cmd(result.ok and 'qall!' or 'cquit! 1')
  end

  function run.fail(message)
    result.error = message
    run.finish()
    error(message) -- not reached: cquit ends Neovim
  end

  --- Starts integrity_lsp for Python buffers with the command and settings the environment
  --- gives (`overrides` first, e.g. another `cmd`); the server's exit lands in run.server_exit.
  function run.start_server(overrides)
    overrides = overrides or {}
    local cmd = os.getenv('INTEGRITY_LSP_CMD')
    if overrides.cmd == nil and cmd and cmd ~= '' then
      overrides.cmd = vim.json.decode(cmd)
    end
    local settings = os.getenv('INTEGRITY_LSP_SETTINGS')
    if settings and settings ~= '' then
      local decoded = vim.json.decode(settings)
      overrides.settings = { ['integrity-lsp'] = decoded }
      overrides.init_options = decoded
    end
    -- If the server dies, stop waiting and say so (instead of running into every timeout).
    overrides.on_exit = function(code, signal)
      run.server_exit = { code = code, signal = signal }
    end
    vim.lsp.config('integrity_lsp', overrides)
    vim.lsp.enable('integrity_lsp')
    vim.cmd('filetype on')
  end

  --- Waits until `condition()` holds: true; false at the timeout. Fails the run when the
  --- server exits first, naming `what` it was waiting for.
  function run.wait_for(what, condition)
    local met = false
    vim.wait(run.timeout, function()
      met = condition() and true or false
      return met or run.server_exit ~= nil
    end, 20)
    if not met and run.server_exit then
      result.server_exit = run.server_exit
      run.fail(('the server exited (code %s, signal %s) while waiting for %s'):format(run.server_exit.code, run.server_exit.signal, what))
    end
    return met
  end

  --- run.wait_for, failing the run at the timeout.
  function run.expect(what, condition)
    if not run.wait_for(what, condition) then
      run.fail('waited in vain for ' .. what .. ' (' .. run.timeout .. ' ms)')
    end
  end

  return run
end

--- The initialized integrity_lsp client of a buffer, or nil.
function M.client(bufnr)
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'integrity_lsp' })[1]
  return client ~= nil and client.initialized and client or nil
end

--- integrity-lsp's diagnostics of a buffer, by line, column and code: `code`, `lnum` (1-based,
--- as editors show it), `col` (0-based, in the buffer's bytes), `end_lnum`, `message`,
--- `severity`; with `with_lsp`, also `lsp`, the LSP diagnostic (relatedInformation, data).
function M.diagnostics(bufnr, with_lsp)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'integrity-lsp' then
      table.insert(found, {
        code = d.code,
        lnum = d.lnum + 1,
        col = d.col,
        end_lnum = (d.end_lnum or d.lnum) + 1,
        message = d.message,
        severity = d.severity,
        lsp = with_lsp and d.user_data and d.user_data.lsp or nil,
      })
    end
  end
  table.sort(found, function(a, b)
    if a.lnum ~= b.lnum then
      return a.lnum < b.lnum
    end
    if a.col ~= b.col then
      return a.col < b.col
    end
    return tostring(a.code) < tostring(b.code)
  end)
  return found
end

return M
