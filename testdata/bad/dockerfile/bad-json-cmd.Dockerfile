FROM nginx
EXPOSE 80
CMD ['nginx', '-g', 'daemon off;']
