-- integrity-lsp for Neovim >= 0.11: finds Django code that will raise django.db.IntegrityError.
--
-- Put this directory (editors/nvim) on 'runtimepath', or copy this file to
-- ~/.config/nvim/lsp/integrity_lsp.lua, then:
--
--   vim.lsp.enable('integrity_lsp')
--
-- Settings are the keys of [tool.integrity-lsp] in pyproject.toml and override that file:
--
--   vim.lsp.config('integrity_lsp', {
--     settings = { ['integrity-lsp'] = { ignore = { 'IL304' }, severity = { IL104 = 'info' } } },
--   })
--
-- `settings['integrity-lsp']` answers the server's workspace/configuration request; put the same
-- table in `init_options` if you want it there from the first request on. See editors/nvim/README.md.
--
-- Commands: :IntegrityLspExplain {message} (in a Python buffer), :IntegrityLspRestart,
-- :IntegrityLspStop. A server command that cannot be found is reported with vim.notify.

--- Runs the server command `integrity-lsp.explain` and shows the locations in the quickfix list.
---@param client vim.lsp.Client
---@param bufnr integer
---@param text string
local function explain(client, bufnr, text)
  client:request('workspace/executeCommand', {
    command = 'integrity-lsp.explain',
    arguments = { text },
  }, function(err, result)
    if err then
      vim.notify('integrity-lsp: explain failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if type(result) ~= 'table' then
      vim.notify('integrity-lsp: explain returned nothing', vim.log.levels.WARN)
      return
    end
    local summary = type(result.summary) == 'string' and result.summary or ''
    local items = {}
    for _, location in ipairs(type(result.locations) == 'table' and result.locations or {}) do
      if type(location) == 'table' and type(location.uri) == 'string' and type(location.range) == 'table' then
        local item = vim.lsp.util.locations_to_items({ location }, client.offset_encoding)[1]
        if item then
          item.text = location.title or item.text
          table.insert(items, item)
        end
      end
    end
    local headline = vim.split(vim.trim(summary), '\n', { plain = true })[1] or ''
    if #items == 0 then
      vim.notify('integrity-lsp: ' .. (summary ~= '' and summary or 'no explanation found'), vim.log.levels.INFO)
      return
    end
    vim.fn.setqflist({}, ' ', { title = 'integrity-lsp: ' .. headline, items = items })
    vim.notify('integrity-lsp: ' .. summary, vim.log.levels.INFO)
    vim.cmd('botright copen')
  end, bufnr)
end

local NAME = 'integrity_lsp'

--- Stops the integrity_lsp clients and starts them again for the open Python buffers (what
--- `:LspRestart` does with nvim-lspconfig). Equivalent by hand:
---   :lua vim.lsp.enable('integrity_lsp', false)   then   :lua vim.lsp.enable('integrity_lsp')
local function restart()
  local clients = vim.lsp.get_clients({ name = NAME })
  for _, client in ipairs(clients) do
    client:stop()
  end
  vim.wait(3000, function()
    for _, client in ipairs(clients) do
      if not client:is_stopped() then
        return false
      end
    end
    return true
  end, 20)
  vim.lsp.enable(NAME, true)
  -- Neovim < 0.12 does not re-run FileType for buffers that are already open.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'python' then
      pcall(vim.api.nvim_exec_autocmds, 'FileType', { group = 'nvim.lsp.enable', buffer = bufnr })
    end
  end
end

vim.api.nvim_create_user_command('IntegrityLspRestart', restart, { desc = 'integrity-lsp: restart the server' })
vim.api.nvim_create_user_command('IntegrityLspStop', function()
  vim.lsp.enable(NAME, false)
  for _, client in ipairs(vim.lsp.get_clients({ name = NAME })) do
    client:stop()
  end
end, { desc = 'integrity-lsp: stop the server (:IntegrityLspRestart starts it again)' })

-- Neovim skips a server whose command is not executable without a word (only its LSP log
-- says so): say it once. Checked once the user's vim.lsp.config() overrides are merged.
vim.schedule(function()
  local resolved = vim.lsp.config[NAME]
  local cmd = resolved and resolved.cmd
  if type(cmd) ~= 'table' or vim.fn.executable(cmd[1]) == 1 then
    return
  end
  vim.g.integrity_lsp_warned = vim.g.integrity_lsp_warned or {}
  if vim.g.integrity_lsp_warned[cmd[1]] then
    return
  end
  vim.g.integrity_lsp_warned = vim.tbl_extend('force', vim.g.integrity_lsp_warned, { [cmd[1]] = true })
  vim.notify(
    ('integrity-lsp: the server command %q was not found, so integrity-lsp is not running. '
      .. 'Install it (editors/README.md) or point vim.lsp.config(%q, { cmd = { ... } }) at it, '
      .. 'then :IntegrityLspRestart.'):format(cmd[1], NAME),
    vim.log.levels.WARN
  )
end)

---@type vim.lsp.Config
return {
  cmd = { 'integrity-lsp', 'serve' },
  filetypes = { 'python' },
  -- Nearest first: the Django project (manage.py), then the Python project, then the repository.
  root_markers = { 'manage.py', 'pyproject.toml', '.git' },
  settings = {
    ['integrity-lsp'] = vim.empty_dict(),
  },
  init_options = vim.empty_dict(),
  on_attach = function(client, bufnr)
    -- :IntegrityLspExplain UNIQUE constraint failed: shop_product.sku
    -- (no argument: asks for the message; a visual selection can be passed with :'<,'>)
    vim.api.nvim_buf_create_user_command(bufnr, 'IntegrityLspExplain', function(opts)
      local text = opts.args
      if text == '' and opts.range > 0 then
        text = table.concat(vim.api.nvim_buf_get_lines(bufnr, opts.line1 - 1, opts.line2, false), '\n')
      end
      if text ~= '' then
        explain(client, bufnr, text)
        return
      end
      vim.ui.input({ prompt = 'IntegrityError message: ' }, function(input)
        if input and vim.trim(input) ~= '' then
          explain(client, bufnr, input)
        end
      end)
    end, { nargs = '*', range = true, desc = 'integrity-lsp: explain an IntegrityError message' })
  end,
}
