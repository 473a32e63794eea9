;;; eglot_smoke.el --- headless check of the eglot set-up in editors/README.md  -*- lexical-binding: t -*-

;; Usage (from inside a project that is a git repository: eglot finds the root with project.el):
;;
;;   INTEGRITY_LSP_CMD='["integrity-lsp", "serve"]' emacs -Q --batch -l eglot_smoke.el FILE.py
;;
;; INTEGRITY_LSP_CMD is a JSON list (default ["integrity-lsp", "serve"]); to try the multiplexer
;; set-up give e.g. ["rass", "--", "ruff", "server", "--", "integrity-lsp", "serve"].
;; It registers the command for python-mode the way the README does (with :initializationOptions
;; and eglot-workspace-configuration), opens FILE.py, waits up to INTEGRITY_LSP_TIMEOUT seconds
;; (default 30) for diagnostics through flymake, prints them, and exits 0 when one of them is an
;; integrity-lsp diagnostic.  Works with Debian's emacs-nox 28 + elpa-eglot 1.9 and newer.

(require 'package)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'eglot)
(require 'json)

(let* ((file (car command-line-args-left))
       (spec (getenv "INTEGRITY_LSP_CMD"))
       (command (if (and spec (not (string-empty-p spec)))
                    (append (json-read-from-string spec) nil)
                  '("integrity-lsp" "serve")))
       (timeout (string-to-number (or (getenv "INTEGRITY_LSP_TIMEOUT") "30")))
       (waited 0.0))
  (setq command-line-args-left nil)
  (add-to-list 'eglot-server-programs
               `((python-mode python-ts-mode)
                 . (,@command :initializationOptions (:ignore ["IL304"]))))
  (setq-default eglot-workspace-configuration
                '(:integrity-lsp (:ignore ["IL304"] :severity (:IL104 "info"))))
  (find-file file)
  (python-mode)
  (flymake-mode 1)
  (apply #'eglot (eglot--guess-contact))
  (while (and (not (seq-find (lambda (d) (string-prefix-p "integrity-lsp" (flymake-diagnostic-text d)))
                             (flymake-diagnostics)))
              (< waited timeout))
    (accept-process-output nil 0.1)
    (setq waited (+ waited 0.1)))
  (let ((ours (seq-filter (lambda (d) (string-prefix-p "integrity-lsp" (flymake-diagnostic-text d)))
                          (flymake-diagnostics))))
    (princ (format "emacs %s; %d diagnostics, %d from integrity-lsp:\n" emacs-version
                   (length (flymake-diagnostics)) (length ours)))
    (dolist (d (flymake-diagnostics))
      (princ (format "  %d: %s\n" (line-number-at-pos (flymake-diagnostic-beg d))
                     (car (split-string (flymake-diagnostic-text d) "\n")))))
    (let ((server (eglot-current-server)))
      (when server (ignore-errors (eglot-shutdown server))))
    (kill-emacs (if ours 0 1))))

;;; eglot_smoke.el ends here
