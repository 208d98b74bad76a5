// DLang module
