// Placeholder so the module library links before its first source lands; removed with the first real file.
